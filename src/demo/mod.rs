//! `agentiq demo`: the inbox against the built-in simulator with the Russian demo shops,
//! on a fresh machine with no account and no network.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;

use crate::connectors::http::RetryPolicy;
use crate::connectors::{AccountConfig, Credentials};
use crate::domain::Marketplace;
use crate::services::{ServiceOptions, Services};
use crate::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};
use crate::store::Store;
use crate::tui;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Keep the database here; a temporary folder otherwise.
    pub data_dir: Option<PathBuf>,
    /// Use a simulator that is already running instead of starting one.
    pub simulator: Option<ExternalSimulator>,
    pub arrival_every: Duration,
    pub poll_every: Duration,
    pub seed: u64,
    /// Where the user's keymap and theme files live.
    pub config_dir: PathBuf,
    /// `--lang`; the locale decides when `None`.
    pub lang: Option<String>,
    /// Keymap name: `default`, `emacs`, or a file in the config folder's `keymaps/`.
    pub keymap: String,
    /// Theme name: `dark`, `light`, `high-contrast`, or a file in `themes/`.
    pub theme: String,
    /// Drafts from this OpenAI-compatible endpoint (`[llm]` in config.toml); offline
    /// drafts when `None`.
    pub llm: Option<crate::ai::llm::LlmConfig>,
}

#[derive(Clone)]
pub struct ExternalSimulator {
    pub base_url: String,
    pub wb_token: String,
    /// Ozon `Client-Id` and `Api-Key`, when that simulator serves the Ozon shop too.
    pub ozon: Option<(String, String)>,
}

/// `Debug` never prints the credentials.
impl std::fmt::Debug for ExternalSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalSimulator")
            .field("base_url", &self.base_url)
            .field("wb_token", &"<redacted>")
            .field(
                "ozon",
                &self
                    .ozon
                    .as_ref()
                    .map(|(client_id, _)| (client_id, "<redacted>")),
            )
            .finish()
    }
}

/// Everything the demo runs on, kept alive for its duration.
pub struct DemoWorld {
    pub store: Store,
    pub accounts: Vec<AccountConfig>,
    pub simulator: Option<SimulatorHandle>,
    _temp: Option<tempfile::TempDir>,
}

/// The demo shops' accounts as the connectors see them, every host at the simulator.
pub fn demo_accounts(
    base_url: &str,
    wb_token: &str,
    ozon: Option<(&str, &str)>,
) -> Result<Vec<AccountConfig>> {
    let hosts = |names: &[&str]| -> BTreeMap<String, String> {
        names
            .iter()
            .map(|host| (host.to_string(), base_url.to_string()))
            .collect()
    };
    let mut accounts = vec![AccountConfig {
        name: DemoShop::wb()?.shop.name,
        marketplace: Marketplace::Wb,
        credentials: Credentials::Wb {
            token: wb_token.to_string(),
        },
        base_urls: hosts(&["feedbacks", "chat", "content", "cdn"]),
        retry: RetryPolicy::default(),
    }];
    if let Some((client_id, api_key)) = ozon {
        accounts.push(AccountConfig {
            name: DemoShop::ozon()?.shop.name,
            marketplace: Marketplace::Ozon,
            credentials: Credentials::Ozon {
                client_id: client_id.to_string(),
                api_key: api_key.to_string(),
            },
            base_urls: hosts(&["seller"]),
            retry: RetryPolicy::default(),
        });
    }
    Ok(accounts)
}

/// Starts (or connects to) the simulator and opens the demo database.
pub async fn prepare(options: &DemoOptions) -> Result<DemoWorld> {
    let (temp, data_dir) = match &options.data_dir {
        Some(dir) => (None, dir.clone()),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("agentiq-demo-")
                .tempdir()
                .context("creating a temporary data folder for the demo")?;
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    };
    let store = Store::open(data_dir.join("agentiq.db"))?;
    let (simulator, base_url, token, ozon) = match &options.simulator {
        Some(external) => (
            None,
            external.base_url.clone(),
            external.wb_token.clone(),
            external.ozon.clone(),
        ),
        None => {
            let token = format!("demo-{:032x}", rand::random::<u128>());
            let ozon = (
                "demo-client".to_string(),
                format!("demo-{:032x}", rand::random::<u128>()),
            );
            let config = SimulatorConfig {
                shops: vec![
                    SimShop {
                        shop: DemoShop::wb()?,
                        token: token.clone(),
                        client_id: None,
                    },
                    SimShop {
                        shop: DemoShop::ozon()?,
                        token: ozon.1.clone(),
                        client_id: Some(ozon.0.clone()),
                    },
                ],
                seed: options.seed,
                arrival_every: Some(options.arrival_every),
                ..SimulatorConfig::default()
            };
            let handle = simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            let url = handle.base_url();
            (Some(handle), url, token, Some(ozon))
        }
    };
    Ok(DemoWorld {
        store,
        accounts: demo_accounts(
            &base_url,
            &token,
            ozon.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
        )?,
        simulator,
        _temp: temp,
    })
}

/// Runs the demo inbox until the user quits.
pub async fn run(options: DemoOptions) -> Result<()> {
    let world = prepare(&options).await?;
    let clock: crate::services::Clock = Arc::new(Utc::now);
    let lang = tui::pick_language(options.lang.as_deref());
    let services = Services::start(
        &world.store,
        &world.accounts,
        ServiceOptions {
            poll_every: options.poll_every,
            clock: clock.clone(),
            notify_lang: match lang {
                tui::Lang::Ru => crate::notify::Lang::Ru,
                tui::Lang::En => crate::notify::Lang::En,
            },
            llm: options.llm.clone(),
            kind: crate::store::ProcessKind::Inbox,
        },
    )
    .await?;
    let Services {
        events,
        commands,
        guard: _guard,
        ..
    } = services;
    let (keymap, keymap_problem) = tui::load_keymap(&options.config_dir, &options.keymap);
    let (theme, theme_problem) = tui::load_theme(&options.config_dir, &options.theme);
    let ctx = tui::TuiContext {
        store: world.store.clone(),
        events,
        commands,
        keymap,
        theme,
        clock,
    };
    tui::run_with(
        ctx,
        tui::TuiOptions {
            lang,
            config_problems: [keymap_problem, theme_problem]
                .into_iter()
                .flatten()
                .collect(),
            templates: Some(ai_templates(world.store.clone())),
        },
    )
    .await
}

/// The seller's templates for the editor's picker (`Ctrl-T`), filled for the open item:
/// those edited in settings for its account, else the shipped ones. Read when the picker
/// opens, so an edit applies at once.
fn ai_templates(store: crate::store::Store) -> tui::templates::TemplateSource {
    use crate::ai::templates::{fill, Vars};
    use crate::ai::{Intent, TemplateSet};
    use tui::templates::{Template, TemplateSource};
    TemplateSource::new(move |item, _| {
        let stored = store
            .reader()
            .and_then(|r| crate::settings::editable::load_templates(&r, Some(item.account_id)))
            .unwrap_or_else(|e| {
                tracing::warn!(error = %format!("{e:#}"), "stored templates unusable; using the shipped ones");
                None
            });
        let set = stored.as_ref().unwrap_or_else(|| TemplateSet::defaults());
        let vars = Vars {
            name: item.customer_name.clone(),
            product: item.product.as_ref().and_then(|p| p.name.clone()),
            brand: item.product.as_ref().and_then(|p| p.brand.clone()),
            spec: None,
            marketplace: Some(item.marketplace.mark().into()),
        };
        Intent::ALL
            .iter()
            .filter_map(|i| {
                let text = set
                    .intent(item.channel, *i)
                    .bodies
                    .iter()
                    .find_map(|w| fill(w, &vars))?;
                Some(Template {
                    label: i.label_ru().into(),
                    text,
                })
            })
            .collect()
    })
}
