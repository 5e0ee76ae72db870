#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks, on 127.0.0.1 only.
#
#   bash ci/postgres.sh start   creates a cluster in a new temporary folder, starts it on a free
#                               port, and prints its URL as the last line:
#                               postgres://postgres@127.0.0.1:PORT/postgres
#   bash ci/postgres.sh stop    stops the cluster that `start` recorded and removes its folder
#   bash ci/postgres.sh restart kills that cluster as a crash would (immediate shutdown) and
#                               starts it again on the same port
#
#   ORDEAL_POSTGRES_STATE      the state file naming the folder (default
#                              ${TMPDIR:-/tmp}/ordeal-postgres.state); give each concurrent
#                              cluster its own
#   ORDEAL_POSTGRES_OWNER_PID  when set, the cluster stops itself (and its folder goes) once
#                              that process has exited: tests set it to their own pid
#
# The server runs as the `postgres` user (PostgreSQL refuses root), with trust authentication
# on loopback and fsync off: it is for tests, never for data. Installs Debian's `postgresql`
# when its binaries are missing.
set -euo pipefail

state=${ORDEAL_POSTGRES_STATE:-${TMPDIR:-/tmp}/ordeal-postgres.state}

die() { echo "postgres.sh: $*" >&2; exit 1; }

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres -- "$@"; fi
}

bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$dir" ] || [ ! -x "$dir/pg_ctl" ]; then
        echo "postgres.sh: installing postgresql" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
        dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
        [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] || die "no pg_ctl under /usr/lib/postgresql/*/bin after installing postgresql; install it by hand"
    fi
    echo "$dir"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    if [ -f "$state" ] && [ -d "$(cat "$state")" ]; then
        die "a cluster is still running in $(cat "$state") (state file $state); run 'bash ci/postgres.sh stop' first, or set ORDEAL_POSTGRES_STATE to another file"
    fi
    id postgres >/dev/null 2>&1 || die "there is no 'postgres' user; install Debian's postgresql package"
    local bin dir port attempt
    bin=$(bin_dir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/ordeal-pg-XXXXXX")
    chmod 755 "$dir"
    chown postgres: "$dir"
    echo "$dir" >"$state"
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
    # Another process may take the port between asking and binding: try a few.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
            start </dev/null >"$dir/pg_ctl.log" 2>&1; then
            echo "$port" >"$dir/port"
            if [ -n "${ORDEAL_POSTGRES_OWNER_PID:-}" ]; then watch_owner "$ORDEAL_POSTGRES_OWNER_PID"; fi
            echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') in $dir" >&2
            echo "postgres://postgres@127.0.0.1:$port/postgres"
            return 0
        fi
        echo "postgres.sh: start on port $port failed (attempt $attempt):" >&2
        tail -n 3 "$dir/server.log" >&2 || true
    done
    rm -rf "$dir" "$state"
    die "PostgreSQL did not start; see the lines above"
}

# Stops the cluster once process $1 is gone, detached from the caller's pipes. It runs a copy
# of this script kept in the cluster's folder, so the cluster still goes if the checkout does.
watch_owner() {
    local owner=$1
    cp "$0" "$dir/postgres.sh"
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ORDEAL_POSTGRES_STATE="$2" bash "$3" stop' \
        watcher "$owner" "$state" "$dir/postgres.sh" </dev/null >/dev/null 2>&1 &
}

stop() {
    [ -f "$state" ] || die "no state file $state: nothing was started (or it was stopped already)"
    local dir bin
    dir=$(cat "$state")
    if [ -d "$dir/data" ]; then
        bin=$(bin_dir)
        if ! as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >"$dir/stop.log" 2>&1 \
            && as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
            cat "$dir/stop.log" >&2
            die "the cluster in $dir is still running; stop it with: runuser -u postgres -- $bin/pg_ctl -D $dir/data stop"
        fi
    fi
    case "$dir" in
        "${TMPDIR:-/tmp}"/ordeal-pg-*) rm -rf "$dir" ;;
        *) die "state file $state names $dir, which is not a folder this script made; not removing it" ;;
    esac
    rm -f "$state"
}

# Kills the server the way a crash does (immediate shutdown: no checkpoint, every backend
# process gone at once), then starts it again on the same port; the WAL replays at start.
restart() {
    [ -f "$state" ] || die "no state file $state: nothing was started"
    local dir bin port
    dir=$(cat "$state")
    bin=$(bin_dir)
    port=$(cat "$dir/port")
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >"$dir/restart.log" 2>&1 \
        || { cat "$dir/restart.log" >&2; die "immediate stop of the cluster in $dir failed"; }
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start </dev/null >>"$dir/restart.log" 2>&1 \
        || { tail -n 5 "$dir/server.log" >&2; die "the cluster in $dir did not start again on port $port"; }
    echo "postgres.sh: killed (immediate) and restarted on port $port" >&2
}

# The server and its watcher outlive whoever ran this script, so they must not keep that
# process's other descriptors: a pipe it was reading from a worker (one inherited without
# close-on-exec, as Foundation's Process and Pipe leave them) would stay open in the server,
# and the reader would wait forever for an end of file. Keep 0-2 and bash's script (255).
close_inherited_fds() {
    local fd
    for fd in /proc/$$/fd/*; do
        fd=${fd##*/}
        case "$fd" in 0 | 1 | 2 | 255) continue ;; esac
        eval "exec $fd>&-" 2>/dev/null || true
    done
}
close_inherited_fds

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) restart ;;
    *) die "usage: bash ci/postgres.sh start|stop|restart" ;;
esac
