//! The `tongyao` command: argument parsing only; everything else lives in the library.
use std::io::Read;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tongyao::config::Settings;

#[derive(Parser)]
#[command(
    name = "tongyao",
    version,
    about = "统药 — one formulary, one purchase, one delivery for a medical consortium"
)]
struct Cli {
    /// Folder holding default.toml / <environment>.toml (TONGYAO_ENV picks the environment).
    #[arg(
        long,
        env = "TONGYAO_CONFIG_DIR",
        default_value = "config",
        global = true
    )]
    config_dir: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web app (the default).
    Serve,
    /// Database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Create or refresh the demo consortium (refused in production).
    Demo {
        /// Also generate this many synthetic formulary entries (benchmarks).
        #[arg(long)]
        entries: Option<usize>,
        /// Then serve, as `serve` would.
        #[arg(long)]
        serve: bool,
    },
    /// Administration from the command line.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Benchmarks that cannot run over HTTP (docs/BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        action: BenchAction,
    },
    /// The stock ledger (D6).
    Stock {
        #[command(subcommand)]
        action: StockAction,
    },
}

#[derive(Subcommand)]
enum StockAction {
    /// Re-add every movement of the ledger and prove each balance equals its sum; exits 1 and
    /// lists the differences when one does not.
    Verify,
}

#[derive(Subcommand)]
enum BenchAction {
    /// The naive search (SQL LIKE '%q%' over name, pinyin and code columns) at a concurrency.
    NaiveSearch {
        #[arg(long, default_value_t = 1)]
        consortium: i64,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Queries, comma-separated.
        #[arg(long)]
        queries: String,
    },
    /// Median time of an import dry run of a CSV file, the formulary as of a day, and a diff.
    Formulary {
        #[arg(long, default_value_t = 1)]
        consortium: i64,
        #[arg(long)]
        csv: Option<PathBuf>,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Aggregating approved order lines into purchase orders vs the database's GROUP BY over the
    /// same rows, and the suggestions of a 500-line order (issue 10).
    Procurement {
        #[arg(long, default_value_t = 1)]
        consortium: i64,
        #[arg(long, default_value_t = 1_000_000)]
        lines: usize,
        #[arg(long, default_value_t = 200)]
        members: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// First-expiry-first-out allocation of approved order lines over the central warehouse's
    /// lots vs the database's ordered scan of those lots (issue 11).
    Fefo {
        #[arg(long, default_value_t = 1)]
        consortium: i64,
        #[arg(long, default_value_t = 100_000)]
        lines: usize,
        #[arg(long, default_value_t = 1_000_000)]
        lots: usize,
        #[arg(long, default_value_t = 200)]
        members: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Writes a ledger of this many movements in bulk, then times stock on hand, recording
    /// 10,000 movements in one transaction, and `stock verify`.
    Stock {
        #[arg(long, default_value_t = 1)]
        consortium: i64,
        #[arg(long, default_value_t = 1_000_000)]
        movements: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    Up,
    /// Roll back the last migration (or `--all`).
    Down {
        #[arg(long)]
        all: bool,
    },
    Status,
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create a system administrator. The password is read from TONGYAO_ADMIN_PASSWORD or, if
    /// unset, from standard input; there is no default.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "系统管理员")]
        display_name: String,
    },
}

#[tokio::main]
async fn main() {
    if let Err(e) = real_main().await {
        eprintln!("tongyao: {e:#}");
        std::process::exit(1);
    }
}

async fn real_main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(&cli.config_dir)?;
    tongyao::telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => tongyao::run(settings).await,
        Command::Openapi => {
            let doc = tongyao::openapi::document(&settings);
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
        Command::Migrate { action } => {
            let db = tongyao::db::connect(&settings.database).await?;
            use migration::MigratorTrait;
            match action {
                MigrateAction::Up => migration::Migrator::up(&db, None).await?,
                MigrateAction::Down { all } => {
                    let steps = if all { None } else { Some(1) };
                    migration::Migrator::down(&db, steps).await?
                }
                MigrateAction::Status => {
                    let pending = tongyao::db::pending_migrations(&db).await?;
                    let applied = migration::Migrator::get_applied_migrations(&db).await?;
                    for m in applied {
                        println!("applied  {}", m.name());
                    }
                    for m in pending {
                        println!("pending  {m}");
                    }
                }
            }
            Ok(())
        }
        Command::Demo { entries, serve } => {
            let db = tongyao::db::connect(&settings.database).await?;
            tongyao::db::migrate_up(&db).await?;
            let report = tongyao::demo::load(&db, &settings, entries).await?;
            println!("{report}");
            drop(db);
            if serve {
                tongyao::run(settings).await
            } else {
                Ok(())
            }
        }
        Command::Stock {
            action: StockAction::Verify,
        } => {
            let db = tongyao::db::connect(&settings.database).await?;
            let started = std::time::Instant::now();
            let v = tongyao::stock::service::verify(&db).await?;
            println!(
                "stock verify: {} movements re-added against {} balances in {} ms",
                v.movements,
                v.balances,
                started.elapsed().as_millis()
            );
            if v.mismatches.is_empty() {
                println!("every balance equals its ledger");
                return Ok(());
            }
            for (institution, lot, ledger, balance) in &v.mismatches {
                println!(
                    "institution {institution}, lot {lot}: ledger {ledger}, balance {balance}"
                );
            }
            anyhow::bail!("{} balances differ from their ledger", v.mismatches.len())
        }
        Command::Bench { action } => {
            let db = tongyao::db::connect(&settings.database).await?;
            match action {
                BenchAction::NaiveSearch {
                    consortium,
                    concurrency,
                    seconds,
                    queries,
                } => {
                    let q: Vec<String> = queries.split(',').map(str::to_string).collect();
                    let r = tongyao::bench::naive_search(
                        db,
                        consortium,
                        q,
                        concurrency,
                        std::time::Duration::from_secs(seconds),
                    )
                    .await?;
                    println!("naive LIKE search: {r}");
                }
                BenchAction::Formulary {
                    consortium,
                    csv,
                    runs,
                } => {
                    let state = tongyao::state::AppState::new(db, settings);
                    tongyao::bench::formulary(&state.ctx, consortium, csv, runs).await?;
                }
                BenchAction::Procurement {
                    consortium,
                    lines,
                    members,
                    runs,
                } => {
                    let state = tongyao::state::AppState::new(db, settings);
                    tongyao::bench::procurement(&state.ctx, consortium, lines, members, runs)
                        .await?;
                }
                BenchAction::Fefo {
                    consortium,
                    lines,
                    lots,
                    members,
                    runs,
                } => {
                    let state = tongyao::state::AppState::new(db, settings);
                    tongyao::bench::fefo(&state.ctx, consortium, lines, lots, members, runs)
                        .await?;
                }
                BenchAction::Stock {
                    consortium,
                    movements,
                    runs,
                } => {
                    let state = tongyao::state::AppState::new(db, settings);
                    tongyao::bench::stock(&state.ctx, consortium, movements, runs).await?;
                }
            }
            Ok(())
        }
        Command::Admin {
            action:
                AdminAction::CreateUser {
                    username,
                    display_name,
                },
        } => {
            let password = match std::env::var("TONGYAO_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password for {username} (from standard input):");
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s.lines().next().unwrap_or("").to_string()
                }
            };
            let db = tongyao::db::connect(&settings.database).await?;
            tongyao::db::migrate_up(&db).await?;
            tongyao::demo::create_system_admin(&db, &username, &display_name, &password).await?;
            println!("created system administrator {username}");
            Ok(())
        }
    }
}
