#!/usr/bin/env bash
# Runs a command with TEST_REDIS_URL pointing at a Redis server: the one at
# 127.0.0.1:6379 when it answers, otherwise a throwaway redis-server on a
# free port (installed with apt-get when missing and running as root).
set -euo pipefail

answers() { # host port -> 0 when a Redis server answers PING
	local reply
	{ exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
	printf 'PING\r\n' >&3
	IFS= read -r -t 2 reply <&3 || true
	exec 3>&- 3<&-
	[[ "$reply" == +PONG* ]]
}

if [[ -n "${TEST_REDIS_URL:-}" ]]; then
	exec "$@"
fi
if answers 127.0.0.1 6379; then
	export TEST_REDIS_URL="redis://127.0.0.1:6379/15"
	exec "$@"
fi

if ! command -v redis-server >/dev/null 2>&1; then
	if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "with-redis: installing redis-server with apt-get" >&2
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2
	else
		echo "with-redis: no Redis answers at 127.0.0.1:6379 and redis-server is not installed." >&2
		echo "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)" >&2
		echo "or set TEST_REDIS_URL=redis://host:port/db to a server the tests may use." >&2
		exit 1
	fi
fi

port=""
for p in $(seq 16379 16479); do
	if ! { (exec 3<>"/dev/tcp/127.0.0.1/$p"); } 2>/dev/null; then port=$p; break; fi
done
[[ -n "$port" ]] || { echo "with-redis: no free port for a throwaway redis-server" >&2; exit 1; }
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do answers 127.0.0.1 "$port" && break; sleep 0.1; done
answers 127.0.0.1 "$port" || { echo "with-redis: redis-server did not start:" >&2; cat "$dir/redis.log" >&2; exit 1; }
echo "with-redis: throwaway redis-server on 127.0.0.1:$port" >&2
export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
"$@"
