#!/usr/bin/env bash
# Builds the production image from the Dockerfile and runs it as a user would: /health, one ad
# and one decomposition through its HTTP API (scripts/image-smoke.mjs), then a clean stop on
# SIGTERM. Then checks docker-compose.yml (scripts/check-compose.mjs). Run by .ci/run after the
# tests; needs root (podman's storage, chroot) and the npm dependencies installed.
#
# It works without a Docker engine or a registry for base images, as on this project's CI
# (STACK.md): podman builds with --isolation chroot; where node:24-bookworm-slim cannot be pulled,
# a stand-in is made with debootstrap and the project's pinned Node; and since crun cannot start
# containers in a sandbox, the image's files run under chroot as the image's user, with its
# environment. Where an engine works, `docker build . && docker run` does the same.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=localhost/nanococoa:check
BASE=docker.io/library/node:24-bookworm-slim
NODE=node_modules/.bin/node
[ "$(id -u)" = 0 ] || { echo "check-image: needs root (podman storage, chroot)" >&2; exit 1; }
[ -x "$NODE" ] || { echo "check-image: run scripts/setup.sh first (the pinned Node is missing)" >&2; exit 1; }
t0=$(date +%s)
say() { echo "check-image: $* ($(( $(date +%s) - t0 )) s)"; }

missing=()
for p in podman debootstrap docker-compose; do command -v "$p" >/dev/null || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/nanococoa-image-XXXXXX)
mnt=""
server=""
cleanup() {
  [ -n "$server" ] && kill -KILL "$server" 2>/dev/null || true
  if [ -n "$mnt" ]; then
    for d in tmp data home/app dev/shm dev proc sys; do umount -l "$mnt/$d" 2>/dev/null || true; done
    podman image unmount "$IMAGE" >/dev/null 2>&1 || true
  fi
  if [ -n "${built:-}" ]; then
    podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The base image: the real one if podman has it (pulled beforehand), else the stand-in.
if ! podman image exists "$BASE"; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)}
  root="$work/base"
  debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # Debian's packages and the npm registry are reached the way this machine reaches them.
  cp -a /etc/apt/apt.conf.d/. "$root/etc/apt/apt.conf.d/"
  install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/host-ca.crt"
  install -D -m 755 "$(readlink -f "$NODE")" "$root/usr/local/bin/node"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mkdir -p "$root/usr/local/lib/node_modules" && cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
  tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt' --change 'ENV NPM_CONFIG_CAFILE=/etc/ssl/certs/host-ca.crt' \
    --change 'LABEL nanococoa.stand-in=debootstrap' --change 'CMD ["node"]' - "$BASE" >/dev/null
  rm -rf "$root"
  say "stand-in $BASE made with debootstrap and Node $("$NODE" --version)"
fi

podman build --isolation chroot --network host --pull=never --layers=false --jobs=2 -q -t "$IMAGE" . >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; exit 1; }
built=1
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
say "built $IMAGE: $(( size / 1000000 )) MB"

# The image's files, run as its user with its environment (what `docker run` would do).
mnt=$(podman image mount "$IMAGE")
mkdir -p "$work/tmp" "$work/data" "$work/home"
chmod 1777 "$work/tmp"
chown 10001:10001 "$work/data" "$work/home"
mount --bind /proc "$mnt/proc" && mount --rbind /sys "$mnt/sys" && mount --rbind /dev "$mnt/dev"
mount --bind "$work/tmp" "$mnt/tmp" && mount --bind "$work/data" "$mnt/data" && mount --bind "$work/home" "$mnt/home/app"
mapfile -t image_env < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | sed '/^$/d')
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
[ "$user" = app ] || { echo "check-image: the image runs as '$user', not the non-root user app" >&2; exit 1; }
port=$("$NODE" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
env -i "${image_env[@]}" HOME=/home/app PORT="$port" HOST=127.0.0.1 RENDER_PAGES=1 \
  chroot --userspec=10001:10001 "$mnt" sh -c 'cd /app && exec /usr/bin/tini -s -- node dist/src/main.js' >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 240); do
  curl_ok=$("$NODE" -e "fetch('http://127.0.0.1:$port/health').then(r=>console.log(r.status),()=>console.log(0))")
  [ "$curl_ok" = 200 ] && break
  kill -0 "$server" 2>/dev/null || { tail -30 "$work/server.log" >&2; echo "check-image: the server exited while starting" >&2; exit 1; }
  sleep 0.5
done
[ "$curl_ok" = 200 ] || { tail -30 "$work/server.log" >&2; echo "check-image: /health never answered 200" >&2; exit 1; }
say "server up on :$port as uid 10001, embedded PostgreSQL"
"$NODE" scripts/image-smoke.mjs "http://127.0.0.1:$port" || { tail -40 "$work/server.log" >&2; exit 1; }

kill -TERM "$server"
for _ in $(seq 1 60); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$server" 2>/dev/null; then tail -20 "$work/server.log" >&2; echo "check-image: no clean stop within 30 s of SIGTERM" >&2; exit 1; fi
wait "$server" && code=0 || code=$?
server=""
# Nest re-raises the signal once its shutdown hooks have run: 143 is SIGTERM's own exit status.
[ "$code" = 0 ] || [ "$code" = 143 ] || { tail -20 "$work/server.log" >&2; echo "check-image: the server exited $code after SIGTERM" >&2; exit 1; }
grep -q 'embedded PostgreSQL stopped' "$work/server.log" || { echo "check-image: the embedded PostgreSQL was not stopped" >&2; exit 1; }
if grep -q 'ERROR' "$work/server.log"; then grep 'ERROR' "$work/server.log" | head -5 >&2; echo "check-image: the server logged errors" >&2; exit 1; fi
say "clean stop on SIGTERM (exit $code, database stopped)"

"$NODE" scripts/check-compose.mjs
say "passed"
