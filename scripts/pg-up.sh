#!/usr/bin/env bash
# pg-up.sh starts a throwaway PostgreSQL cluster for the tests: installed
# from Debian packages when missing, run as a non-root user, in a temp
# dir, listening on 127.0.0.1 only on a free port. It prints shell exports
# (eval "$(scripts/pg-up.sh)"): ASCENDKIT_TEST_POSTGRES, the URL of a fresh
# database, and ASCENDKIT_PG_DIR, the cluster's directory. Progress goes to
# stderr. Stop it with: scripts/pg-up.sh stop "$ASCENDKIT_PG_DIR".
#
# The cluster trusts connections from 127.0.0.1 and its own socket: it is
# for tests on this machine, holds no data worth a password, and goes away
# with its directory.
set -euo pipefail

say() { echo "pg-up: $*" >&2; }

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; fi
}

# run_as runs a command as the cluster's owner (root may not run postgres).
run_as() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = "stop" ]; then
  dir=${2:?usage: pg-up.sh stop <dir>}
  PG_USER=$(stat -c %U "$dir/data")
  bindir=$(pg_bindir)
  run_as "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf -- "$dir"
  exit 0
fi

bindir=$(pg_bindir)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "PostgreSQL is not installed; run as root or: sudo apt-get install -y postgresql"
    exit 1
  fi
  say "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # The packaged cluster is not used (ours runs in a temp dir): keep the
  # package from creating and starting one.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/ascendkit-ci.conf
  apt-get install -y -qq postgresql >&2
  bindir=$(pg_bindir)
fi
[ -n "$bindir" ] || { say "initdb not found after install"; exit 1; }

PG_USER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  PG_USER=ascendkit-ci
  if ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/ascendkit-pg.XXXXXX")
chmod 700 "$dir"
[ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$dir"

# A free port below the kernel's ephemeral range (so no outgoing
# connection can hold it between this check and the bind): ask the kernel
# through bash's /dev/tcp (a refused connect means nobody listens there).
# Where that range starts too low to leave room, any port will do and the
# retry below covers a clash.
eph_lo=32768
read -r eph_lo _ 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range || true
port_lo=10000 port_span=$((eph_lo - 10000))
if [ "$eph_lo" -le 11024 ]; then port_lo=20000 port_span=40000; fi
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((port_lo + RANDOM % port_span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  say "no free port found"
  return 1
}
port=$(free_port)

say "initdb in $dir (user $PG_USER, port $port)"
run_as "$bindir/initdb" -D "$dir/data" -U ascendkit --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
# Only local TCP on loopback and the cluster's own socket are accepted.
cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
# Another process may still take the port first: then try another one.
# Each attempt logs to a file of its own, so that only its own failure
# is read.
for try in 1 2 3 4 5; do
  log="$dir/server.$try.log"
  if run_as "$bindir/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 start >&2; then
    break
  fi
  if [ "$try" -lt 5 ] && grep -q "could not create any TCP/IP sockets" "$log"; then
    port=$(free_port)
    say "port taken, trying $port"
    echo "port = $port" >>"$dir/data/postgresql.conf" # the last setting wins
    continue
  fi
  cat "$log" >&2
  exit 1
done
run_as "$bindir/createdb" -h "$dir" -p "$port" -U ascendkit ascendkit_test

url="postgres://ascendkit@127.0.0.1:$port/ascendkit_test?sslmode=disable"
say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') up at $url"
echo "export ASCENDKIT_TEST_POSTGRES='$url'"
echo "export ASCENDKIT_PG_DIR='$dir'"
