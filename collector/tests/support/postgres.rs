//! One PostgreSQL server per test binary, in a throwaway cluster on a free loopback port,
//! shared by the test files that need one (`#[path = "support/postgres.rs"] mod postgres_server;`).
//!
//! A `static` is never dropped, so the server cannot be stopped from a `Drop`. Instead it runs
//! under a small shell watchdog whose standard input is a pipe from this process: when this
//! process ends, however it ends (even `kill -9`), the kernel closes the pipe, the watchdog reads
//! end-of-file, stops PostgreSQL with a fast shutdown (SIGINT) and removes the cluster.

use std::io::Read as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub(super) struct Server {
    port: u16,
    /// The watchdog's standard input; held open, never written, for as long as this
    /// process lives.
    _lifeline: ChildStdin,
}

impl Server {
    pub(super) fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A new, empty database of its own for one test; its URL.
    pub(super) async fn fresh_database(&self) -> String {
        use sqlx::Connection as _;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("cannot connect to the test PostgreSQL server");
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        self.url(&name)
    }
}

/// The server, started by the first test that asks. A failure is kept too, so that every
/// PostgreSQL test fails with the same message instead of trying again.
pub(super) fn shared() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    // Starting takes a second or two of blocking; the other tests wait on the lock anyway.
    match SERVER.get_or_init(|| binaries().and_then(|bin| start(&bin))) {
        Ok(server) => server,
        Err(e) => panic!("{e}"),
    }
}

/// A PostgreSQL server of one test's own, which the test stops (as a crash or an operator
/// would: `pg_ctl stop -m immediate` or `-m fast`) and starts again, on the same port and data.
/// A watchdog like `shared`'s stops it and removes the cluster when the `Cluster` is dropped or
/// this process ends, however it ends.
#[allow(dead_code)]
pub(super) struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    _lifeline: ChildStdin,
}

/// The cluster's watchdog: `$1` is `pg_ctl`, `$2` the cluster's directory.
const CLUSTER_WATCHDOG: &str = r#"
set -u
read -r _
"$1" -D "$2/data" -m immediate -w stop >/dev/null 2>&1
rm -rf "$2"
"#;

#[allow(dead_code)]
impl Cluster {
    /// A new cluster, started.
    pub(super) fn start() -> Result<Self, String> {
        let bin = binaries()?;
        let dir = init_cluster(&bin, "hark-pg-own-")?;
        let mut watchdog = as_server_user("sh")
            .current_dir(dir.path())
            .args(["-c", CLUSTER_WATCHDOG, "hark-postgres-own"])
            .arg(bin.join("pg_ctl"))
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run the PostgreSQL watchdog: {e}"))?;
        let cluster = Cluster {
            bin,
            dir: dir.keep(),
            port: free_port()?,
            _lifeline: watchdog.stdin.take().expect("a piped stdin"),
        };
        cluster.resume()?;
        Ok(cluster)
    }

    pub(super) fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server: `immediate` (every process quits at once, as in a crash; the next
    /// start recovers from the log) or `fast` (sessions are ended, then a clean shutdown).
    pub(super) fn stop(&self, mode: &str) -> Result<(), String> {
        run(as_server_user(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", mode, "-w", "stop"])
            .stdout(Stdio::null()))
    }

    /// Starts the server (again), waiting until it takes connections.
    pub(super) fn resume(&self) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -F -c max_connections=100",
            self.port,
            self.dir.display()
        );
        run(as_server_user(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null()))
    }

    /// A new, empty database; its URL.
    pub(super) async fn fresh_database(&self) -> String {
        use sqlx::Connection as _;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("cannot connect to the test's PostgreSQL server");
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        self.url(&name)
    }
}

/// The watchdog: `$1` is the `postgres` binary, `$2` the cluster's directory, `$3` the port.
/// Background jobs of a non-interactive shell read `/dev/null`, so the pipe is handed to
/// the reader as descriptor 3.
const WATCHDOG: &str = r#"
set -u
postgres=$1 dir=$2 port=$3
exec 3<&0
"$postgres" -D "$dir/data" -c listen_addresses=127.0.0.1 -p "$port" -k "$dir" -F \
-c max_connections=300 </dev/null 3<&- >"$dir/server.log" 2>&1 &
server=$!
( read -r _ <&3; kill -INT "$server" ) &
reader=$!
wait "$server"
status=$?
kill "$reader" 2>/dev/null
[ "$status" -eq 0 ] || cat "$dir/server.log" >&2
rm -rf "$dir"
exit "$status"
"#;

const SETUP_HINT: &str = "run `cargo xtask setup` to install PostgreSQL, or set \
    HARK_POSTGRES_BIN to the directory of its `initdb` and `postgres`";

/// `HARK_POSTGRES_BIN`, or else the newest `/usr/lib/postgresql/*/bin` (Debian's layout).
fn binaries() -> Result<PathBuf, String> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("HARK_POSTGRES_BIN").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "HARK_POSTGRES_BIN={} has no `initdb` and `postgres`: {SETUP_HINT}",
                dir.display()
            ))
        };
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let major = e.file_name().to_str()?.split('.').next()?.parse().ok()?;
            Some((major, e.path().join("bin")))
        })
        .filter(|(_, bin)| has_server(bin))
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        format!(
            "the PostgreSQL tests need a PostgreSQL server and found none \
             (HARK_POSTGRES_BIN is unset, /usr/lib/postgresql/*/bin has no initdb): {SETUP_HINT}"
        )
    })
}

/// Starts a server, trying again on another port if the one picked was taken meanwhile.
fn start(bin: &Path) -> Result<Server, String> {
    let mut failure = String::new();
    for _ in 0..3 {
        match start_once(bin) {
            Ok(server) => return Ok(server),
            Err(e) => failure = e,
        }
    }
    Err(format!("cannot start a PostgreSQL server: {failure}"))
}

/// A new cluster's data directory (`DIR/data`, the superuser `postgres` trusted), in a
/// temporary directory named with `prefix`.
fn init_cluster(bin: &Path, prefix: &str) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| format!("cannot make a directory for the cluster: {e}"))?;
    if running_as_root() {
        // PostgreSQL refuses to run as root; its own user gets the directory.
        run(Command::new("chown").arg("postgres:").arg(dir.path()))?;
    }
    run(as_server_user(bin.join("initdb"))
        .current_dir(dir.path())
        .arg("--pgdata")
        .arg(dir.path().join("data"))
        .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
        .args(["--no-locale", "--no-sync", "--no-instructions"]))?;
    Ok(dir)
}

fn start_once(bin: &Path) -> Result<Server, String> {
    let dir = init_cluster(bin, "hark-pg-")?;

    let port = free_port()?;
    let mut watchdog = as_server_user("sh")
        .current_dir(dir.path())
        .args(["-c", WATCHDOG, "hark-postgres"])
        .arg(bin.join("postgres"))
        .arg(dir.path())
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the PostgreSQL watchdog: {e}"))?;
    // From here on the watchdog removes the directory when the server stops.
    let dir = dir.keep();
    let lifeline = watchdog.stdin.take().expect("a piped stdin");

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = watchdog.try_wait().map_err(|e| e.to_string())? {
            let mut log = String::new();
            if let Some(mut stderr) = watchdog.stderr.take() {
                let _ = stderr.read_to_string(&mut log);
            }
            return Err(format!("postgres exited ({status}):\n{log}"));
        }
        // Asked through the Unix socket in the cluster's own directory, so that a server of
        // another test binary which took the port meanwhile is not taken for this one (this
        // one then fails to listen, and exits: PostgreSQL opens its TCP socket first).
        let ready = Command::new(bin.join("pg_isready"))
            .args(["--username=postgres", "--quiet"])
            .arg(format!("--host={}", dir.display()))
            .arg(format!("--port={port}"))
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return Ok(Server {
                port,
                _lifeline: lifeline,
            });
        }
        if Instant::now() > deadline {
            // Dropping the lifeline makes the watchdog stop the server and clean up.
            return Err(format!("postgres was not ready on port {port} within 60 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port nobody listened on a moment ago.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// `program` as PostgreSQL's own user when this process is root, as this user otherwise.
fn as_server_user(program: impl AsRef<std::ffi::OsStr>) -> Command {
    if running_as_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// Whether this process runs as root, by the owner of its `/proc` entry.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
