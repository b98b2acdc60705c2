#!/usr/bin/env bash
# The main job: builds girder, starts the local AWS emulator on 127.0.0.1 (installing moto if
# missing), and runs the p2p-lending architecture through init, plan, apply, output, a second
# plan that must show no changes, and destroy. Usage: examples/demo.sh [--keep]
#   --keep   leave the infrastructure and the emulator up at the end (Ctrl-C to stop)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[ "${1:-}" = "--keep" ] && keep=1

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "build girder"
cargo build -q -p girder-cli --manifest-path "$root/Cargo.toml"
girder="$root/target/debug/girder"

step "start the AWS emulator on 127.0.0.1"
"$root/tests/tools/install-moto" >/dev/null
log=$(mktemp)
python3 "$root/tests/emulator/moto_plus.py" --port 0 >"$log" 2>&1 &
emu=$!
cleanup() { kill "$emu" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 1 300); do
  grep -q '^READY ' "$log" && break
  kill -0 "$emu" 2>/dev/null || { cat "$log"; echo "emulator did not start" >&2; exit 1; }
  sleep 0.1
done
endpoint=$(sed -n 's/^READY //p' "$log" | head -1)
[ -n "$endpoint" ] || { cat "$log"; echo "emulator did not start" >&2; exit 1; }
echo "emulator at $endpoint"

export AWS_ENDPOINT_URL="$endpoint"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=ap-southeast-1 AWS_DEFAULT_REGION=ap-southeast-1
export TF_VAR_db_password="demo-only-password-1"

# Work on a copy so the example folder stays clean.
work="$root/target/demo/p2p-lending"
rm -rf "$work"; mkdir -p "$(dirname "$work")"
cp -r "$root/examples/p2p-lending" "$work"

step "girder validate"
"$girder" -chdir="$work" validate
step "girder init"
"$girder" -chdir="$work" init -input=false
step "girder plan -out=plan.bin"
"$girder" -chdir="$work" plan -input=false -out=plan.bin
step "girder apply plan.bin"
"$girder" -chdir="$work" apply -input=false plan.bin
step "girder output"
"$girder" -chdir="$work" output
step "girder plan again: nothing to do"
set +e
"$girder" -chdir="$work" plan -input=false -detailed-exitcode
code=$?
set -e
if [ "$code" -ne 0 ]; then echo "second plan was not empty (exit $code)" >&2; exit 1; fi

if [ "$keep" = 1 ]; then
  step "infrastructure left up in $work (emulator at $endpoint); Ctrl-C to stop"
  wait "$emu"
fi
step "girder destroy"
"$girder" -chdir="$work" destroy -input=false -auto-approve
step "done"
