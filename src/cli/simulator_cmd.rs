//! `agentiq simulator`: the marketplace simulator alone, on a local port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::write_private;
use crate::domain::Marketplace;
use crate::simulator::faults::FaultSpec;
use crate::simulator::fixtures;
use crate::simulator::state::SimAccount;
use crate::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};

#[derive(Clone)]
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
    /// Serve the accounts of this fixtures folder (wire-format files) instead of the
    /// demo shops; see `simulator::fixtures` for the layout.
    pub fixtures: Option<PathBuf>,
    /// When accepted answers show on their items (`--answers`).
    pub answer_visibility: crate::simulator::state::AnswerVisibility,
}

/// `Debug` never prints the credentials the simulator expects.
impl std::fmt::Debug for SimulatorArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorArgs")
            .field("listen", &self.listen)
            .field("seed", &self.seed)
            .field("scale", &self.scale)
            .field("faults", &self.faults)
            .field("arrival_every", &self.arrival_every)
            .field("wb_token", &"<redacted>")
            .field("ozon_client_id", &self.ozon_client_id)
            .field("ozon_api_key", &"<redacted>")
            .field("write_config", &self.write_config)
            .field("fixtures", &self.fixtures)
            .finish()
    }
}

/// The demo shops with the credentials the simulator will expect; none when fixtures
/// replace them.
pub fn shops(args: &SimulatorArgs) -> Result<Vec<SimShop>> {
    if args.fixtures.is_some() {
        return Ok(Vec::new());
    }
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

/// The fixture accounts with the credentials the simulator will expect.
pub fn fixture_accounts(args: &SimulatorArgs) -> Result<Vec<SimAccount>> {
    let Some(dir) = &args.fixtures else {
        return Ok(Vec::new());
    };
    let shops =
        fixtures::load(dir).with_context(|| format!("loading fixtures from {}", dir.display()))?;
    Ok(shops
        .into_iter()
        .map(|shop| match shop.marketplace {
            Marketplace::Wb => shop.into_account(&args.wb_token, None),
            Marketplace::Ozon => shop.into_account(&args.ozon_api_key, Some(&args.ozon_client_id)),
        })
        .collect())
}

/// A config file whose accounts talk to the simulator at `base_url`.
pub fn config_for(args: &SimulatorArgs, base_url: &str) -> Result<String> {
    let accounts = match &args.fixtures {
        Some(dir) => fixtures::account_names(dir)?,
        None => vec![
            (DemoShop::wb()?.shop.name, Marketplace::Wb),
            (DemoShop::ozon()?.shop.name, Marketplace::Ozon),
        ],
    };
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let url = q(base_url);
    let mut text = format!("# Accounts served by `agentiq simulator` at {base_url}\n");
    for (name, marketplace) in accounts {
        text.push_str(&match marketplace {
            Marketplace::Wb => format!(
                "\n[[accounts]]\nname = {}\nmarketplace = \"wb\"\ntoken = {}\n\
                 base_urls = {{ feedbacks = {url}, chat = {url}, content = {url}, cdn = {url} }}\n",
                q(&name),
                q(&args.wb_token),
            ),
            Marketplace::Ozon => format!(
                "\n[[accounts]]\nname = {}\nmarketplace = \"ozon\"\nclient_id = {}\napi_key = {}\n\
                 base_urls = {{ seller = {url} }}\n",
                q(&name),
                q(&args.ozon_client_id),
                q(&args.ozon_api_key),
            ),
        });
    }
    Ok(text)
}

pub async fn start(args: &SimulatorArgs) -> Result<SimulatorHandle> {
    let config = SimulatorConfig {
        shops: shops(args)?,
        seed: args.seed,
        arrival_every: args.arrival_every,
        faults: args.faults.clone(),
        scale: args.scale,
        accounts: fixture_accounts(args)?,
        unlimited: false,
        answer_visibility: args.answer_visibility,
    };
    simulator::spawn(config, args.listen).await
}

/// Runs until Ctrl-C.
pub async fn run(args: SimulatorArgs) -> Result<()> {
    let handle = start(&args).await?;
    let url = handle.base_url();
    let mut banner = format!("simulator listening on {url}\nstate: {url}/_sim/state\n");
    if !args.faults.is_none() {
        banner.push_str(&format!("faults: {}\n", args.faults));
    }
    if let Some(dir) = &args.fixtures {
        banner.push_str(&format!("fixtures: {}\n", dir.display()));
    }
    if let Some(path) = &args.write_config {
        write_private(path, &config_for(&args, &url)?)?;
        banner.push_str(&format!("accounts written to {}\n", path.display()));
    }
    // The server outlives its reader: a closed standard output must not stop it.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), banner.as_bytes());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
