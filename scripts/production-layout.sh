#!/usr/bin/env bash
# scripts/production-layout.sh: the Dockerfile's steps without Docker, then the server started
# from the result and checked. CI has no Docker; this is how it knows the image would work.
#
#   build stage    npm run build                                  -> dist/
#   deps stage     npm ci --omit=dev --ignore-scripts (clean dir) -> node_modules/ (production only)
#   runtime        package.json + node_modules/ + dist/ in one folder, run as uid 65532 (when this
#                  script runs as root) with the repo's Node 24, from a folder it cannot write to
#
# Then: devDependencies are absent; `hahaha certs` makes a CA and a serving certificate; `hahaha
# serve --no-controller` answers /healthz and /readyz over HTTPS (trusting only that CA), /metrics
# over HTTP, and one AdmissionReview on /mutate with the expected JSON patch; SIGTERM exits 0; and
# nothing was written into the app folder. Exit status non-zero on any failure.
#
# Usage: scripts/production-layout.sh [--keep]   (--keep leaves the temp folder for inspection)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE="$REPO/node_modules/.bin/node" # Node 24, the `node` devDependency (the image has its own)
KEEP=0
[[ "${1:-}" == "--keep" ]] && KEEP=1

checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
step() { echo "# $*"; }
SERVER_PID=""
WORK=""
fail() {
  echo "not ok - $*" >&2
  if [[ -n "$WORK" && -f "$WORK/serve.log" ]]; then
    echo "# last lines of hahaha serve's log:" >&2
    tail -n 20 "$WORK/serve.log" | sed 's/^/#   /' >&2
  fi
  exit 1
}
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  if [[ -n "$WORK" ]]; then
    if [[ "$KEEP" == 1 ]]; then echo "# kept $WORK"; else chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; fi
  fi
}
trap cleanup EXIT

[[ -x "$NODE" ]] || fail "$NODE is missing: run npm ci in $REPO first"
NODE_VERSION="$("$NODE" --version)"
[[ "$NODE_VERSION" == v24.* ]] || fail "expected Node 24 at $NODE, got $NODE_VERSION"
ok "Node $NODE_VERSION (the image's runtime is Node 24 too)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/hahaha-layout.XXXXXX")"
APP="$WORK/app"
mkdir -p "$APP"

step "build stage: npm run build"
(cd "$REPO" && npm run --silent build) || fail "npm run build failed"
[[ -f "$REPO/dist/src/cli/main.js" ]] || fail "npm run build did not write dist/src/cli/main.js"
if grep -rEq "from '\.{1,2}/[^']*\.ts'|import\('\.{1,2}/[^']*\.ts'\)" "$REPO/dist/src" "$REPO/dist/webhook-certs"; then
  fail "dist/ still imports .ts files (rewriteRelativeImportExtensions)"
fi
ok "dist/ built, its relative imports end in .js"

step "deps stage: npm ci --omit=dev --ignore-scripts in a clean folder"
cp "$REPO/package.json" "$REPO/package-lock.json" "$APP/"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) || fail "npm ci --omit=dev failed"
ok "production dependencies installed ($(du -sh "$APP/node_modules" | cut -f1))"

step "runtime stage: package.json + node_modules + dist"
cp -R "$REPO/dist" "$APP/dist"

# shellcheck disable=SC2016
read -r -a DEV_DEPS <<<"$("$NODE" -p 'Object.keys(require(process.argv[1]).devDependencies).join(" ")' "$APP/package.json")"
read -r -a DEPS <<<"$("$NODE" -p 'Object.keys(require(process.argv[1]).dependencies).join(" ")' "$APP/package.json")"
for d in tap typescript eslint typescript-eslint @eslint/js fast-check node; do
  [[ ! -e "$APP/node_modules/$d" ]] || fail "$d is in the production node_modules"
done
absent=() transitive=()
for d in "${DEV_DEPS[@]}"; do
  if [[ ! -e "$APP/node_modules/$d" ]]; then absent+=("$d"); continue; fi
  # Present only as a dependency of a production dependency (e.g. @types/node of @kubernetes/client-node).
  why="$(cd "$APP" && npm ls "$d" --omit=dev --parseable --long 2>/dev/null | sed -n 2p)" || true
  [[ -n "$why" ]] || fail "devDependency $d is in the production node_modules and nothing there needs it"
  transitive+=("$d")
done
ok "no dev tools in node_modules: ${absent[*]} absent${transitive[*]:+; ${transitive[*]} only as a dependency of a production dependency}"
for d in "${DEPS[@]}"; do
  [[ -f "$APP/node_modules/$d/package.json" ]] || fail "dependency $d is missing"
done
ok "every dependency present (${DEPS[*]})"
[[ ! -e "$APP/node_modules/.bin/tsc" && ! -e "$APP/node_modules/.bin/tap" ]] || fail "dev tools in node_modules/.bin"

step "certificates: hahaha certs from the layout"
"$NODE" "$APP/dist/src/cli/main.js" certs --host 127.0.0.1 --host localhost --out "$WORK/certs" >/dev/null || fail "hahaha certs failed"
for f in ca.crt tls.crt tls.key; do [[ -s "$WORK/certs/$f" ]] || fail "hahaha certs did not write $f"; done
ok "hahaha certs wrote ca.crt, tls.crt, tls.key"

# As the image: uid/gid 65532, the app folder owned by root and not writable, no HOME, a bare env.
RUN_AS=()
if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null; then
  RUN_AS=(setpriv --reuid 65532 --regid 65532 --clear-groups)
  chmod 755 "$WORK"
  chown -R 65532:65532 "$WORK/certs"
  USER_NOTE="uid 65532"
else
  USER_NOTE="uid $(id -u) (not root: cannot switch to 65532)"
fi
chmod -R a-w,a+rX "$APP"
touch "$WORK/started"
sleep 1 # a second of mtime resolution between the marker and anything written after it

step "serve: hahaha serve --no-controller --native-sidecars off (no cluster here) as $USER_NOTE from $APP"
(
  cd "$APP"
  exec env -i PATH=/usr/bin:/bin NODE_ENV=production "${RUN_AS[@]}" "$NODE" dist/src/cli/main.js serve --no-controller --native-sidecars off \
    --cert-file "$WORK/certs/tls.crt" --key-file "$WORK/certs/tls.key" --address 127.0.0.1 --port 0 --metrics-port 0
) >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!

PORT=""
for _ in $(seq 1 100); do
  kill -0 "$SERVER_PID" 2>/dev/null || fail "hahaha serve exited early"
  line="$(grep -m1 '"serving admission webhooks"' "$WORK/serve.log" || true)"
  if [[ -n "$line" ]]; then
    PORT="$("$NODE" -p 'JSON.parse(process.argv[1]).port' "$line")"
    METRICS_PORT="$("$NODE" -p 'JSON.parse(process.argv[1]).metricsPort' "$line")"
    break
  fi
  sleep 0.2
done
[[ -n "$PORT" ]] || fail "hahaha serve did not log 'serving admission webhooks' within 20s"
ok "hahaha serve is up: webhooks on https://127.0.0.1:$PORT, metrics on http://127.0.0.1:$METRICS_PORT"

CURL=(curl --silent --show-error --max-time 10 --cacert "$WORK/certs/ca.crt")
body="$("${CURL[@]}" --fail "https://127.0.0.1:$PORT/healthz")" || fail "GET /healthz failed"
[[ "$body" == '{"status":"ok"}' ]] || fail "GET /healthz: $body"
ok "GET https://…/healthz: $body (certificate verified against the CA)"
body="$("${CURL[@]}" --fail "https://127.0.0.1:$PORT/readyz")" || fail "GET /readyz failed"
[[ "$body" == '{"status":"ready"}' ]] || fail "GET /readyz: $body"
ok "GET https://…/readyz: $body"
if curl --silent --max-time 5 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then fail "the webhook port answers plain HTTP"; fi
ok "the webhook port refuses plain HTTP"

step "admission: one AdmissionReview of a Naisjob pod to /mutate"
(cd "$APP" && "$NODE" --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { parse } from "yaml";
  const pod = parse(readFileSync(process.argv[1], "utf8"));
  writeFileSync(process.argv[2], JSON.stringify({
    apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
    request: { uid: "7c1e8f6a-layout", kind: { group: "", version: "v1", kind: "Pod" }, resource: { group: "", version: "v1", resource: "pods" },
      namespace: pod.metadata.namespace, operation: "CREATE", userInfo: { username: "layout" }, object: pod, dryRun: false },
  }));
' "$REPO/test/fixtures/pods/naisjob.yaml" "$WORK/review.json") || fail "could not write the AdmissionReview"
"${CURL[@]}" --fail -H 'content-type: application/json' --data-binary "@$WORK/review.json" "https://127.0.0.1:$PORT/mutate" >"$WORK/response.json" ||
  fail "POST /mutate failed"
# shellcheck disable=SC2016 # JavaScript, not shell
"$NODE" -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).response;
  const fail = (m) => { console.error(m + ": " + JSON.stringify(r)); process.exit(1); };
  if (r.uid !== "7c1e8f6a-layout") fail("uid not echoed");
  if (r.allowed !== true || r.patchType !== "JSONPatch") fail("not an allowed JSONPatch answer");
  const patch = JSON.parse(Buffer.from(r.patch, "base64").toString());
  const added = Object.fromEntries(patch.map((op) => {
    if (op.op !== "add") fail("a patch operation other than add");
    return [op.path.replace("/metadata/annotations/", "").replaceAll("~1", "/"), op.value];
  }));
  const want = {
    "hahaha.nais.io/main-container": "dataloader",
    "shutdown.hahaha.nais.io/cloudsql-proxy": "POST :9091/quitquitquit",
    "shutdown.hahaha.nais.io/secure-logs-fluentd": "GET :24444/api/processes.killWorkers",
    "shutdown.hahaha.nais.io/secure-logs-configmap-reload": "exec /bin/killall configmap-reload",
    "shutdown.hahaha.nais.io/vks-sidecar": "exec /bin/kill -s INT 1",
  };
  for (const [k, v] of Object.entries(want)) if (added[k] !== v) fail(`expected ${k}: ${v}, got ${added[k]}`);
  console.log(`${patch.length} add operations: ` + Object.keys(want).join(", "));
' "$WORK/response.json" >"$WORK/patch.txt" || fail "the /mutate answer is not the expected patch"
ok "POST https://…/mutate: allowed, uid echoed, JSON patch of $(cat "$WORK/patch.txt")"

metrics="$(curl --silent --show-error --fail --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics")" || fail "GET /metrics failed"
grep -q '^hahaha_admission_requests_total{webhook="mutate",operation="CREATE",result="patched"} 1$' <<<"$metrics" ||
  fail "/metrics does not count the patched request: $(grep hahaha_admission_requests_total <<<"$metrics" || true)"
grep -q '^process_resident_memory_bytes ' <<<"$metrics" || fail "/metrics has no process metrics"
ok "GET http://…/metrics: the patched request is counted, process metrics present"

step "SIGTERM"
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=""
[[ "$rc" == 0 ]] || fail "hahaha serve exited $rc after SIGTERM"
grep -q '"stopped"' "$WORK/serve.log" || fail "hahaha serve did not log 'stopped'"
ok "SIGTERM: hahaha serve stopped and exited 0"

written="$(find "$APP" -newer "$WORK/started" | head -n 5)"
[[ -z "$written" ]] || fail "hahaha wrote into the app folder: $written"
ok "nothing was written into the app folder (read-only root filesystem friendly)"

echo "# production layout: $checks checks passed"
