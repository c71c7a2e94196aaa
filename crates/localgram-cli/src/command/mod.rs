//! The subcommand tree; `server/` uses `localgram-server` in-process, the connector commands
//! (`connect/`) only `localgram-client`.
//!
//! Each subcommand declares the options it takes, and only those (`serve --help` shows no
//! connector option, `me --help` no server option). The connector's options are also accepted
//! before the subcommand (`localgram --localgram URL me`), without being listed there.

pub mod connect;
pub mod server;

use clap::{Args, CommandFactory as _, Parser, Subcommand};
use std::path::PathBuf;

/// Localgram: a self-hosted Instagram and Facebook Graph API emulator, and a connector for the
/// real ones.
#[derive(Debug, Parser)]
#[command(name = "localgram", version, about)]
pub struct Cli {
    /// Options given before the subcommand.
    #[command(flatten)]
    pub early: Early,
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before the subcommand for the subcommands that take them; hidden, since
/// each subcommand lists its own.
#[derive(Debug, Clone, Default, Args)]
pub struct Early {
    #[arg(long, hide = true)]
    config: Option<PathBuf>,
    #[arg(long = "localgram", hide = true)]
    localgram: Option<String>,
    #[arg(long, hide = true)]
    token: Option<String>,
    #[arg(long, hide = true)]
    json: bool,
    #[arg(long, hide = true)]
    retries: Option<u32>,
    #[arg(long, hide = true)]
    no_throttle: bool,
    #[arg(long, hide = true)]
    connection: Option<String>,
}

impl Early {
    /// The first of the connector's options given here, if any.
    fn first_connector_option(&self) -> Option<&'static str> {
        [
            ("--localgram", self.localgram.is_some()),
            ("--token", self.token.is_some()),
            ("--json", self.json),
            ("--retries", self.retries.is_some()),
            ("--no-throttle", self.no_throttle),
            ("--connection", self.connection.is_some()),
        ]
        .into_iter()
        .find_map(|(name, given)| given.then_some(name))
    }

    /// Refuses the options given here that `command` does not take.
    fn check(&self, command: &Command) -> Result<(), connect::CliError> {
        let (name, server) = match command {
            Command::Serve(_) => ("serve", true),
            Command::Migrate(_) => ("migrate", true),
            Command::DefaultConfig => ("default-config", false),
            Command::Ca(_) => ("ca", true),
            Command::Env(_) => ("env", true),
            Command::Completions(_) => ("completions", false),
            _ => {
                return match self.config {
                    Some(_) => Err(unexpected("--config", "the connector's commands")),
                    None => Ok(()),
                };
            }
        };
        if let Some(option) = self.first_connector_option() {
            return Err(unexpected(option, name));
        }
        if !server && self.config.is_some() {
            return Err(unexpected("--config", name));
        }
        Ok(())
    }

    /// The connector options given here.
    fn connector(&self) -> connect::Globals {
        connect::Globals {
            localgram: self.localgram.clone(),
            token: self.token.clone(),
            json: self.json,
            retries: self.retries,
            no_throttle: self.no_throttle,
            connection: self.connection.clone(),
            ca_cert: None,
        }
    }
}

fn unexpected(option: &str, command: &str) -> connect::CliError {
    connect::CliError::usage(format!("{option} is not an option of {command}"))
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the emulator.
    Serve(Box<server::serve::ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(server::migrate::MigrateArgs),
    /// Print a fully commented localgram.toml.
    DefaultConfig,
    /// Print the local CA's certificate (PEM), creating the CA if needed; --path prints its path.
    Ca(server::ca::CaArgs),
    /// Print shell lines that send clients with hard-coded Meta hosts to Localgram: eval "$(localgram env)".
    Env(server::ca::EnvArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish).
    Completions(CompletionsArgs),
    /// Log in with Instagram or Facebook in the browser and save a long-lived token.
    Login(connect::login::LoginArgs),
    /// Forget a saved connection.
    Logout(connect::logout::LogoutArgs),
    /// The logged-in user's profile.
    Me(connect::me::MeArgs),
    /// The user's media.
    Media(connect::media::MediaArgs),
    /// Refresh, exchange or inspect the token.
    Token(connect::token::TokenArgs),
    /// The user's Facebook Pages.
    Pages(connect::pages::PagesArgs),
    /// A Localgram server's fault rules: add, list, clear (docs/faults.md).
    Faults(connect::faults::FaultsArgs),
    /// Publish a photo (JPEG) or a reel (MP4): create, wait until ready, publish.
    Publish(connect::publishing::PublishArgs),
    /// List, reply to and hide comments.
    Comments(connect::publishing::CommentsArgs),
}

/// `localgram completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

impl Cli {
    /// Runs the chosen subcommand.
    pub async fn run(self) -> anyhow::Result<()> {
        self.early.check(&self.command)?;
        let early = self.early.connector();
        let config = self.early.config;
        match self.command {
            Command::Serve(mut args) => {
                args.config = args.config.or(config);
                server::serve::run(*args).await
            }
            Command::Migrate(mut args) => {
                args.config = args.config.or(config);
                server::migrate::run(args).await
            }
            Command::DefaultConfig => {
                print!("{}", crate::config::DEFAULT_CONFIG);
                Ok(())
            }
            Command::Ca(mut args) => {
                args.config = args.config.or(config);
                server::ca::run_ca(args)
            }
            Command::Env(mut args) => {
                args.config = args.config.or(config);
                server::ca::run_env(args)
            }
            Command::Completions(args) => print_completions(args.shell),
            Command::Login(args) => {
                let g = args.globals().or(early).with_env()?;
                connect::finish(connect::login::run(&g, args)).await
            }
            Command::Logout(args) => {
                let g = args.globals().or(early).with_env()?;
                connect::finish(connect::logout::run(&g)).await
            }
            Command::Me(args) => {
                let g = args.api.globals().or(early).with_env()?;
                connect::finish(connect::me::run(&g, args)).await
            }
            Command::Media(args) => {
                let g = args.api.globals().or(early).with_env()?;
                connect::finish(connect::media::run(&g, args.command)).await
            }
            Command::Token(args) => {
                let g = args.api.globals().or(early).with_env()?;
                connect::finish(connect::token::run(&g, args.command)).await
            }
            Command::Pages(args) => {
                let g = args.api.globals().or(early).with_env()?;
                connect::finish(connect::pages::run(&g, args.command)).await
            }
            Command::Faults(args) => {
                let g = args.globals().or(early).with_env()?;
                connect::finish(connect::faults::run(&g, args)).await
            }
            Command::Publish(args) => {
                let g = args.api.globals().or(early).with_env()?;
                connect::finish(connect::publishing::run_publish(&g, args)).await
            }
            Command::Comments(args) => {
                let g = args.api.globals().or(early).with_env()?;
                connect::finish(connect::publishing::run_comments(&g, args.command)).await
            }
        }
    }
}

/// The exit code for an error: 2 usage, 3 API, 4 network, 1 anything else (see
/// [`connect::error`]).
pub fn exit_code(e: &anyhow::Error) -> u8 {
    connect::exit_code(e)
}

/// A clap usage error as one line: clap's first line, its tips and possible values, and where to
/// read more (`error: unexpected argument '--lisen' found (tip: a similar argument exists:
/// '--listen'); see 'localgram serve --help'`).
pub fn usage_line(e: &clap::Error, args: &[String]) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut first = lines.next().unwrap_or("error: invalid usage").to_owned();
    let mut notes = Vec::new();
    let mut listed = Vec::new();
    for line in lines {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            continue;
        }
        if let Some(tip) = line.strip_prefix("tip:") {
            notes.push(format!("tip: {}", tip.trim()));
        } else if let Some(values) = line
            .strip_prefix("[possible values:")
            .and_then(|v| v.strip_suffix(']'))
        {
            notes.push(format!("possible values: {}", values.trim()));
        } else if first.ends_with(':') {
            // `the following required arguments were not provided:` and their list.
            listed.push(line);
        }
    }
    if !listed.is_empty() {
        first = format!("{} {}", first, listed.join(", "));
    }
    let mut out = first;
    if !notes.is_empty() {
        out.push_str(&format!(" ({})", notes.join("; ")));
    }
    out.push_str(&format!("; see '{} --help'", command_path(args)));
    out
}

/// The subcommand path that `args` (without the program name) names: `localgram media list`.
fn command_path(args: &[String]) -> String {
    let mut command = Cli::command();
    let mut path = vec!["localgram".to_owned()];
    for arg in args {
        let Some(sub) = command.find_subcommand(arg.as_str()).cloned() else {
            continue;
        };
        path.push(arg.clone());
        command = sub;
    }
    path.join(" ")
}

/// Writes a completion script to stdout; a closed pipe (`| head`) is not an error.
fn print_completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "localgram", &mut script);
    let mut out = std::io::stdout().lock();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
