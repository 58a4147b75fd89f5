#!/usr/bin/env bash
# cluster/realnode/packages.sh: installs the Debian packages that the real node and the image
# build need, with apt-get, and nothing else. Idempotent: a machine that has them all returns at
# once without touching apt.
#
#   containerd, runc                 the node's container runtime (containerd 1.6, runc 1.1 on
#                                    Debian 12); each run gets its own root, state and socket under
#                                    .cluster/, the packages' own service is never started
#   containernetworking-plugins     CNI bridge, host-local, loopback (/usr/lib/cni)
#   iptables                         the cluster's DNAT rule for the `kubernetes` Service and its
#                                    FORWARD drop chain (cluster/realnode/network.ts)
#   busybox-static                   /bin/killall and a shell inside the sidecar images, and the
#                                    stand-in base images' shell
#   buildah                          builds the repo's Dockerfile without a daemon
#
# Needs root (the real node does too). Packages come from the machine's configured Debian mirror.
set -euo pipefail
PACKAGES=(containerd runc containernetworking-plugins iptables busybox-static buildah)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "cluster/realnode/packages.sh: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
echo "[realnode/packages] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Never start the packages' own services (containerd.service): the cluster runs its own instance.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=true
fi
trap '$created_policy && rm -f "$policy"' EXIT
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
