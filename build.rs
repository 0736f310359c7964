//! Links the `agentiq` executable position-dependent (`-no-pie`) on Linux with glibc.
//!
//! A position-independent executable is relocated at every start: the dynamic loader
//! rewrites each of its ~100 000 absolute pointers (vtables, string tables), which
//! copies and dirties every page of `.data.rel.ro` and `.got`. For the short commands
//! (`list`, `search`) that was a third of the process's whole cost. Linked at a fixed
//! address there is nothing to rewrite (docs/performance.md, "The command line as whole
//! processes"). The shared libraries, the heap and the stack are still placed at random;
//! only the executable's own image is not.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bin=agentiq=-no-pie");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
