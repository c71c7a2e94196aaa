//! Usage errors, help and completions, through the real binary: every bad flag, variable or
//! configuration-file value (of `serve` and of the connector) answers one line naming the
//! setting, the value and what is expected, with exit code 2, and never a source path or a type
//! name.

use std::path::Path;
use std::process::{Command, Output};

/// A directory removed on drop.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new() -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("localgram-usage-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `localgram ARGS…` in `dir`, with `envs` and none of the caller's `LOCALGRAM_*` variables.
fn localgram(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_localgram"));
    cmd.current_dir(dir).args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("LOCALGRAM_") {
            cmd.env_remove(name);
        }
    }
    cmd.envs(envs.iter().copied());
    cmd.output().expect("cannot run localgram")
}

/// One bad input: the arguments, the environment, the content of `./localgram.toml` (none when
/// empty), and the one line expected on stderr.
struct Bad {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    file: &'static str,
    line: &'static str,
}

const fn bad(args: &'static [&'static str], line: &'static str) -> Bad {
    Bad {
        args,
        env: &[],
        file: "",
        line,
    }
}

#[test]
fn every_bad_setting_is_one_line_naming_it_with_exit_code_2() {
    let table = [
        bad(
            &["serve", "--listen", "nonsense"],
            "error: invalid value \"nonsense\" for --listen: expected an IP address and port, such as 127.0.0.1:8090 (port 0 picks a free port)",
        ),
        Bad {
            env: &[("LOCALGRAM_LISTEN", "127.0.0.1")],
            ..bad(
                &["serve"],
                "error: invalid value \"127.0.0.1\" for LOCALGRAM_LISTEN: expected an IP address and port, such as 127.0.0.1:8090 (port 0 picks a free port)",
            )
        },
        Bad {
            file: "listen = 8090\n",
            ..bad(
                &["serve"],
                "error: invalid value 8090 for listen in localgram.toml: expected an IP address and port, such as 127.0.0.1:8090 (port 0 picks a free port)",
            )
        },
        bad(
            &["serve", "--database-url", "mysql://root:hunter2@db/x"],
            "error: invalid value \"mysql://root:%5Bredacted%5D@db/x\" for --database-url: expected sqlite://FILE or postgres://USER:PASSWORD@HOST/DATABASE",
        ),
        bad(
            &["migrate", "--database-url", "sqlite://"],
            "error: invalid value \"sqlite://\" for --database-url: expected sqlite://FILE or postgres://USER:PASSWORD@HOST/DATABASE",
        ),
        bad(
            &["serve", "--world", "missing.toml"],
            "error: invalid value \"missing.toml\" for --world: expected the path of an existing world file (TOML or JSON)",
        ),
        bad(
            &["serve", "--export-on-exit", "no-such-folder/state.json"],
            "error: invalid value \"no-such-folder/state.json\" for --export-on-exit: expected a file in an existing folder",
        ),
        bad(
            &["serve", "--log-format", "xml"],
            "error: invalid value \"xml\" for --log-format: expected pretty or json",
        ),
        Bad {
            env: &[("LOCALGRAM_LOG_FORMAT", "xml")],
            ..bad(
                &["serve"],
                "error: invalid value \"xml\" for LOCALGRAM_LOG_FORMAT: expected pretty or json",
            )
        },
        Bad {
            file: "log_format = \"xml\"\n",
            ..bad(
                &["serve"],
                "error: invalid value \"xml\" for log_format in localgram.toml: expected pretty or json",
            )
        },
        bad(
            &["serve", "--code-ttl-seconds", "0"],
            "error: invalid value \"0\" for --code-ttl-seconds: expected a whole number of seconds from 1 to 86400",
        ),
        bad(
            &["serve", "--code-ttl-seconds", "86401"],
            "error: invalid value \"86401\" for --code-ttl-seconds: expected a whole number of seconds from 1 to 86400",
        ),
        bad(
            &["serve", "--code-ttl-seconds", "ten"],
            "error: invalid value \"ten\" for --code-ttl-seconds: expected a whole number of seconds from 1 to 86400",
        ),
        bad(
            &["serve", "--rate-limit-app-per-hour", "-5"],
            "error: invalid value \"-5\" for --rate-limit-app-per-hour: expected a whole number of calls, at least 1",
        ),
        bad(
            &["serve", "--max-listed-media", "99999999999999999999"],
            "error: invalid value \"99999999999999999999\" for --max-listed-media: expected a whole number of media, at least 1",
        ),
        Bad {
            file: "rate_limit_business_per_day = 0\n",
            ..bad(
                &["serve"],
                "error: invalid value 0 for rate_limit_business_per_day in localgram.toml: expected a whole number of calls, at least 1",
            )
        },
        Bad {
            file: "code_ttl_seconds = \"600\"\nno_demo = \"yes\"\n",
            ..bad(
                &["serve"],
                "error: invalid value \"yes\" for no_demo in localgram.toml: expected true or false",
            )
        },
        Bad {
            env: &[("LOCALGRAM_NO_MIGRATE", "1")],
            ..bad(
                &["serve"],
                "error: invalid value \"1\" for LOCALGRAM_NO_MIGRATE: expected true or false",
            )
        },
        bad(
            &["serve", "--sqlite-synchronous", "off"],
            "error: invalid value \"off\" for --sqlite-synchronous: expected full or normal",
        ),
        bad(
            &["serve", "--clock-start", "yesterday"],
            "error: invalid value \"yesterday\" for --clock-start: expected an RFC 3339 time, such as 2026-05-01T00:00:00Z",
        ),
        bad(
            &["serve", "--public-url", "ftp://example.com"],
            "error: invalid value \"ftp://example.com\" for --public-url: expected an http:// or https:// URL, such as http://127.0.0.1:8090",
        ),
        bad(
            &["serve", "--idle-timeout-seconds", "0"],
            "error: invalid value \"0\" for --idle-timeout-seconds: expected a whole number of seconds, at least 1",
        ),
        bad(
            &["serve", "--max-connections", "many"],
            "error: invalid value \"many\" for --max-connections: expected a whole number of connections, 0 for three quarters of the open-file limit",
        ),
        bad(
            &["serve", "--connection-threads", "4096"],
            "error: invalid value \"4096\" for --connection-threads: expected a whole number of threads from 0 to 1024, 0 for three per processor",
        ),
        bad(
            &["serve", "--fbtrace-seed", "-1"],
            "error: invalid value \"-1\" for --fbtrace-seed: expected a whole number from 0 to 9223372036854775807",
        ),
        Bad {
            env: &[("LOCALGRAM_ADMIN_TOKEN_FILE", "missing-token")],
            ..bad(
                &["serve"],
                "error: invalid value \"missing-token\" for LOCALGRAM_ADMIN_TOKEN_FILE: expected a readable file (no such file)",
            )
        },
        Bad {
            file: "lisen = \"127.0.0.1:0\"\n",
            ..bad(
                &["serve"],
                "error: unknown setting \"lisen\" in localgram.toml: expected one of listen, database_url, public_url, world, import, export_on_exit, no_demo, no_migrate, admin_token, log_format, code_ttl_seconds, sqlite_synchronous, clock_start, rate_limit_app_per_hour, rate_limit_user_per_hour, rate_limit_business_per_day, max_listed_media, publish_quota, accept_any_media_url, webhook_allow_host, fbtrace_seed, header_read_timeout_seconds, idle_timeout_seconds, max_connections, connection_threads, shutdown_grace_seconds, https_listen, ca_dir, no_proxy",
            )
        },
        Bad {
            file: "listen = \n",
            ..bad(
                &["serve"],
                "error: the configuration file localgram.toml is not valid TOML at line 1, column 10: invalid string; expected `\"`, `'`",
            )
        },
        bad(
            &["serve", "--config", "missing.toml"],
            "error: invalid value \"missing.toml\" for --config: expected an existing configuration file",
        ),
        bad(
            &["serve", "--lisen", "127.0.0.1:0"],
            "error: unexpected argument '--lisen' found (tip: a similar argument exists: '--listen'); see 'localgram serve --help'",
        ),
        bad(
            &["serve", "--token", "x"],
            "error: unexpected argument '--token' found; see 'localgram serve --help'",
        ),
        bad(
            &["--json", "serve"],
            "error: --json is not an option of serve",
        ),
        bad(
            &["me", "--listen", "127.0.0.1:0"],
            "error: unexpected argument '--listen' found; see 'localgram me --help'",
        ),
        bad(
            &["media", "list", "--limit", "0"],
            "error: invalid value '0' for '--limit <N>': 0 is not in 1..=4294967295; see 'localgram media list --help'",
        ),
        bad(
            &["--localgram", "nonsense", "--token", "x", "me"],
            "error: invalid value \"nonsense\" for --localgram: expected the http:// or https:// URL of a Localgram server, such as http://127.0.0.1:8090",
        ),
        Bad {
            env: &[("LOCALGRAM_URL", "ftp://example.com")],
            ..bad(
                &["me", "--token", "x"],
                "error: invalid value \"ftp://example.com\" for LOCALGRAM_URL: expected the http:// or https:// URL of a Localgram server, such as http://127.0.0.1:8090",
            )
        },
        Bad {
            env: &[("LOCALGRAM_NO_THROTTLE", "maybe")],
            ..bad(
                &["me", "--token", "x"],
                "error: invalid value \"maybe\" for LOCALGRAM_NO_THROTTLE: expected 1, true, 0 or false",
            )
        },
        bad(
            &["me", "--retries", "abc"],
            "error: invalid value 'abc' for '--retries <N>': invalid digit found in string; see 'localgram me --help'",
        ),
        bad(
            &["--config", "localgram.toml", "me"],
            "error: --config is not an option of the connector's commands",
        ),
        bad(
            &["completions", "tcsh"],
            "error: invalid value 'tcsh' for '<SHELL>' (possible values: bash, elvish, fish, powershell, zsh; tip: a similar value exists: 'zsh'); see 'localgram completions --help'",
        ),
    ];
    let mut failures = Vec::new();
    for case in &table {
        let dir = Dir::new();
        if !case.file.is_empty() {
            std::fs::write(dir.0.join("localgram.toml"), case.file).unwrap();
        }
        let out = localgram(&dir.0, case.args, case.env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = format!("{}\n", case.line);
        if out.status.code() != Some(2) || stderr != expected || !stdout.is_empty() {
            failures.push(format!(
                "{:?} {:?} {:?}: exit {:?}\n  stderr: {stderr:?}\n  wanted: {expected:?}\n  stdout: {stdout:?}",
                case.args,
                case.env,
                case.file,
                out.status.code()
            ));
        }
        for text in [&stdout, &stderr] {
            assert!(
                !text.contains(".rs:") && !text.contains("::"),
                "{:?}: internals in {text}",
                case.args
            );
        }
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn each_subcommand_lists_only_its_own_options() {
    let dir = Dir::new();
    let help = |args: &[&str]| {
        let out = localgram(&dir.0, args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let options = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with('-'))
            .filter_map(|l| l.split([' ', '=', ',']).find(|w| w.starts_with("--")))
            .map(str::to_owned)
            .collect()
    };
    let serve = options(&help(&["serve", "--help"]));
    assert!(serve.contains(&"--listen".to_owned()), "{serve:?}");
    assert!(serve.contains(&"--config".to_owned()), "{serve:?}");
    for connector in [
        "--token",
        "--json",
        "--retries",
        "--localgram",
        "--connection",
    ] {
        assert!(
            !serve.contains(&connector.to_owned()),
            "serve lists {connector}"
        );
    }
    let me = options(&help(&["me", "--help"]));
    assert_eq!(
        me,
        [
            "--localgram",
            "--token",
            "--connection",
            "--json",
            "--retries",
            "--no-throttle",
            "--ca-cert",
            "--fields",
            "--help"
        ]
    );
    let login = options(&help(&["login", "instagram", "--help"]));
    assert!(login.contains(&"--ca-cert".to_owned()), "{login:?}");
    let logout = options(&help(&["logout", "--help"]));
    assert_eq!(logout, ["--connection", "--json", "--help"]);
    let migrate = options(&help(&["migrate", "--help"]));
    assert_eq!(migrate, ["--config", "--database-url", "--help"]);
    let top = options(&help(&["--help"]));
    assert_eq!(top, ["--help", "--version"]);
}

#[test]
fn completions_are_printed_for_each_shell_and_bash_accepts_its_script() {
    let dir = Dir::new();
    for (shell, marker) in [
        ("bash", "complete -F _localgram"),
        ("zsh", "#compdef localgram"),
        ("fish", "complete -c localgram"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = localgram(&dir.0, &["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(out.stderr.is_empty(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        let path = dir.0.join(format!("localgram.{shell}"));
        std::fs::write(&path, &script).unwrap();
        // Each shell that is installed checks the syntax of its script.
        let check: Option<(&str, Vec<&str>)> = match shell {
            "bash" => Some(("bash", vec!["-n"])),
            "zsh" => Some(("zsh", vec!["-n"])),
            "fish" => Some(("fish", vec!["--no-execute"])),
            _ => None,
        };
        if let Some((program, args)) = check {
            match Command::new(program).args(&args).arg(&path).output() {
                Ok(out) => assert!(
                    out.status.success(),
                    "{program} refuses the script: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
                Err(_) if shell != "bash" => eprintln!("skipped: {program} is not installed"),
                Err(e) => panic!("cannot run bash: {e}"),
            }
        }
    }
    // Loaded into bash, the script completes subcommands and a subcommand's options.
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let script = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; \
             _localgram localgram '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            dir.0.join("localgram.bash").display(),
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new("bash").args(["-c", &script]).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let subcommands = complete("localgram se");
    assert_eq!(subcommands.trim(), "serve");
    let options = complete("localgram serve --li");
    assert_eq!(options.trim(), "--listen");
}
