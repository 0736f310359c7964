//! `agentiq simulator`: the marketplace simulator alone, on a local port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use crate::config::write_private;
use crate::simulator::faults::FaultSpec;
use crate::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};

#[derive(Debug, Clone)]
pub struct SimulatorArgs {
    pub listen: SocketAddr,
    pub seed: u64,
    pub scale: usize,
    pub faults: FaultSpec,
    pub arrival_every: Option<Duration>,
    pub wb_token: String,
    pub ozon_client_id: String,
    pub ozon_api_key: String,
    /// Write a config file with these accounts pointing at this simulator.
    pub write_config: Option<PathBuf>,
}

/// The demo shops with the credentials the simulator will expect.
pub fn shops(args: &SimulatorArgs) -> Result<Vec<SimShop>> {
    Ok(vec![
        SimShop {
            shop: DemoShop::wb()?,
            token: args.wb_token.clone(),
            client_id: None,
        },
        SimShop {
            shop: DemoShop::ozon()?,
            token: args.ozon_api_key.clone(),
            client_id: Some(args.ozon_client_id.clone()),
        },
    ])
}

/// A config file whose accounts talk to the simulator at `base_url`.
pub fn config_for(args: &SimulatorArgs, base_url: &str) -> Result<String> {
    let wb = DemoShop::wb()?.shop.name;
    let ozon = DemoShop::ozon()?.shop.name;
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    Ok(format!(
        "# Accounts served by `agentiq simulator` at {base_url}\n\n\
         [[accounts]]\nname = {}\nmarketplace = \"wb\"\ntoken = {}\n\
         base_urls = {{ feedbacks = {url}, chat = {url}, content = {url}, cdn = {url} }}\n\n\
         [[accounts]]\nname = {}\nmarketplace = \"ozon\"\nclient_id = {}\napi_key = {}\n\
         base_urls = {{ seller = {url} }}\n",
        q(&wb),
        q(&args.wb_token),
        q(&ozon),
        q(&args.ozon_client_id),
        q(&args.ozon_api_key),
        url = q(base_url),
    ))
}

pub async fn start(args: &SimulatorArgs) -> Result<SimulatorHandle> {
    let config = SimulatorConfig {
        shops: shops(args)?,
        seed: args.seed,
        arrival_every: args.arrival_every,
        faults: args.faults.clone(),
        scale: args.scale,
    };
    simulator::spawn(config, args.listen).await
}

/// Runs until Ctrl-C.
pub async fn run(args: SimulatorArgs) -> Result<()> {
    let handle = start(&args).await?;
    let url = handle.base_url();
    println!("simulator listening on {url}");
    println!("state: {url}/_sim/state");
    if !args.faults.is_none() {
        println!("faults: {}", args.faults);
    }
    if let Some(path) = &args.write_config {
        write_private(path, &config_for(&args, &url)?)?;
        println!("accounts written to {}", path.display());
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}
