#!/usr/bin/env bash
# Installs the real Kafka clients and services the interop and cluster tests drive, when they
# are missing. Debian's Python client packages land in /usr/bin/python3's site-packages.
set -u
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || missing+=(python3-confluent-kafka)
/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || missing+=(python3-kafka)
/usr/bin/python3 -c 'import snappy' >/dev/null 2>&1 || missing+=(python3-snappy)
/usr/bin/python3 -c 'import lz4.frame' >/dev/null 2>&1 || missing+=(python3-lz4)
/usr/bin/python3 -c 'import zstandard' >/dev/null 2>&1 || missing+=(python3-zstandard)
[ -f /usr/include/librdkafka/rdkafka.h ] || missing+=(librdkafka-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -x /usr/share/zookeeper/bin/zkServer.sh ] || missing+=(zookeeper)
# The fault suite puts brokers in network namespaces (ip netns) and partitions them with nftables.
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
# The TLS tests make their certificates with openssl at test time.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# Old clients for the legacy-protocol interop tests: the Go libraries as Debian packages them
# (sources under /usr/share/gocode, built offline in GOPATH mode by test/helpers/go-program.ts)
# and Burrow, the lag monitor.
[ -x /usr/bin/go ] || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/Shopify/sarama ] || missing+=(golang-github-shopify-sarama-dev)
[ -d /usr/share/gocode/src/github.com/segmentio/kafka-go ] || missing+=(golang-github-segmentio-kafka-go-dev)
[ -x /usr/bin/Burrow ] || missing+=(burrow)
# Prometheus' own text-format parser (prometheus/common's expfmt, through prom2json) reads the
# /metrics scrape in test/metrics/, and Debian's Chromium runs the web console's browser tests.
[ -d /usr/share/gocode/src/github.com/prometheus/prom2json ] || missing+=(golang-github-prometheus-prom2json-dev)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A current librdkafka for the interop tests (Debian's is 2.0): node-rdkafka builds the one it
# bundles from source (about a minute), kept out of the project's own dependencies so that
# `npm install` stays quick. Its optional codecs and SASL come from these -dev packages.
RDKAFKA_VERSION=3.6.1
rdkafka_dir="$(cd "$(dirname "$0")/.." && pwd)/.test-deps"
rdkafka_ok() { node -e "process.exit(require('$rdkafka_dir/node_modules/node-rdkafka/package.json').version.replace(/^v/, '') === '$RDKAFKA_VERSION' ? 0 : 1)" 2>/dev/null; }
if ! rdkafka_ok; then
  for p in libssl-dev zlib1g-dev liblz4-dev libzstd-dev libsasl2-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null || true
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "could not install ${missing[*]}: install them with apt-get and run npm test again" >&2
    exit 1
  }
fi
if ! rdkafka_ok; then
  echo "building node-rdkafka $RDKAFKA_VERSION (a current librdkafka) into .test-deps/"
  mkdir -p "$rdkafka_dir"
  [ -f "$rdkafka_dir/package.json" ] || echo '{"name":"samsa-test-deps","private":true}' >"$rdkafka_dir/package.json"
  (cd "$rdkafka_dir" && npm install --no-audit --no-fund --no-save "node-rdkafka@$RDKAFKA_VERSION" >install.log 2>&1) || {
    echo "could not build node-rdkafka: see .test-deps/install.log" >&2
    exit 1
  }
fi
exit 0
