// The real node's network on the host: the bridge hahaha0 with the node IP, and the iptables rules
// of one chain per table that the cluster owns:
//   nat    HAHAHA-REALNODE       pods -> the `kubernetes` Service IP:443 -> the apiserver on
//                                127.0.0.1 (route_localnet on the bridge only), so that hahaha's
//                                pod uses in-cluster configuration as users' clusters give it
//   filter HAHAHA-REALNODE-FWD   nothing is forwarded between the bridge and any other interface:
//                                the CNI bridge plugin turns on ip_forward, and no pod packet may
//                                leave this machine
// Pod-to-pod traffic stays on the bridge; the apiserver reaches pods (webhooks, port-forward to the
// kubelet) on the bridge itself. Removing the bridge and the chains undoes everything.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { must, run } from './exec.ts';
import { BRIDGE, NAT_CHAIN, NODE_IP, POD_PREFIX } from './layout.ts';
import { HOST, SERVICE_IP } from '../layout.ts';

const FWD_CHAIN = `${NAT_CHAIN}-FWD`;
/**
 * The chains the kubelet makes (pkg/kubelet/kubelet_network_linux.go): canaries that tell it when
 * iptables was flushed, in both families, and KUBE-FIREWALL, which drops packets to 127.0.0.0/8
 * that did not come from loopback and were not DNATed there (it guards route_localnet).
 */
const KUBELET_CHAINS: readonly { table: string; chain: string }[] = ['filter', 'nat', 'mangle'].flatMap((table) =>
  ['KUBE-KUBELET-CANARY', 'KUBE-IPTABLES-HINT', 'KUBE-FIREWALL'].map((chain) => ({ table, chain })),
);
const FAMILIES = ['iptables', 'ip6tables'] as const;
type Family = (typeof FAMILIES)[number];

const ipt = (args: readonly string[], family: Family = 'iptables'): Promise<string> => must(family, ['-w', '5', ...args], { timeoutMs: 15_000 });
const iptOk = async (args: readonly string[], family: Family = 'iptables'): Promise<boolean> => (await run(family, ['-w', '5', ...args], { timeoutMs: 15_000 })).code === 0;

async function ensureChain(table: string, chain: string, rules: readonly (readonly string[])[], jump: { from: string; match: readonly string[] }): Promise<void> {
  if (!(await iptOk(['-t', table, '-S', chain]))) await ipt(['-t', table, '-N', chain]);
  // Rewrite the chain's rules only when they differ: a warm cluster:up changes nothing.
  const want = rules.map((r) => `-A ${chain} ${r.join(' ')}`);
  const have = (await ipt(['-t', table, '-S', chain])).trim().split('\n').filter((l) => l.startsWith('-A '));
  if (have.join('\n') !== want.join('\n')) {
    await ipt(['-t', table, '-F', chain]);
    for (const r of rules) await ipt(['-t', table, '-A', chain, ...r]);
  }
  const j = [jump.from, ...jump.match, '-j', chain];
  if (!(await iptOk(['-t', table, '-C', ...j]))) await ipt(['-t', table, '-I', jump.from, '1', ...jump.match, '-j', chain]);
}

/** Every rule of the table that jumps to `chain`, then the chain itself. */
async function removeChain(table: string, chain: string, family: Family = 'iptables'): Promise<void> {
  if (!(await iptOk(['-t', table, '-S', chain], family))) return;
  for (const line of (await ipt(['-t', table, '-S'], family)).split('\n')) {
    if (line.startsWith('-A ') && !line.startsWith(`-A ${chain} `) && line.endsWith(`-j ${chain}`)) await ipt(['-t', table, ...line.replace(/^-A /, '-D ').split(' ')], family);
  }
  await ipt(['-t', table, '-F', chain], family);
  await ipt(['-t', table, '-X', chain], family);
}

async function sysctl(path: string, value: string): Promise<void> {
  const cur = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (cur !== value) await writeFile(path, `${value}\n`);
}

/** Bridge, node IP, and the cluster's iptables chains; idempotent. */
export async function ensureNetwork(apiserverPort: number): Promise<void> {
  if ((await run('ip', ['link', 'show', 'dev', BRIDGE])).code !== 0) await must('ip', ['link', 'add', 'name', BRIDGE, 'type', 'bridge']);
  const addrs = await must('ip', ['-4', '-o', 'addr', 'show', 'dev', BRIDGE]);
  if (!addrs.includes(` ${NODE_IP}/${POD_PREFIX} `)) await must('ip', ['addr', 'add', `${NODE_IP}/${POD_PREFIX}`, 'dev', BRIDGE]);
  await must('ip', ['link', 'set', 'dev', BRIDGE, 'up']);
  // DNAT to 127.0.0.1 needs route_localnet on the interface the packets come in on (kube-proxy
  // does the same for NodePorts on localhost); set on the bridge only, gone with it.
  await sysctl(`/proc/sys/net/ipv4/conf/${BRIDGE}/route_localnet`, '1');
  await ensureChain('nat', NAT_CHAIN, [['-d', `${SERVICE_IP}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', '443', '-j', 'DNAT', '--to-destination', `${HOST}:${apiserverPort}`]], {
    from: 'PREROUTING',
    match: ['-i', BRIDGE],
  });
  await ensureChain(
    'filter',
    FWD_CHAIN,
    [
      ['-i', BRIDGE, '!', '-o', BRIDGE, '-j', 'DROP'],
      ['-o', BRIDGE, '!', '-i', BRIDGE, '-j', 'DROP'],
    ],
    { from: 'FORWARD', match: [] },
  );
}

/** Everything of the network the real node left on the host, for cluster:down's final check. */
export async function networkLeftovers(): Promise<string[]> {
  const out: string[] = [];
  if ((await run('ip', ['link', 'show', 'dev', BRIDGE])).code === 0) out.push(`bridge ${BRIDGE}`);
  for (const family of FAMILIES) {
    for (const { table, chain } of [{ table: 'nat', chain: NAT_CHAIN }, { table: 'filter', chain: FWD_CHAIN }, ...KUBELET_CHAINS]) {
      if (await iptOk(['-t', table, '-S', chain], family)) out.push(`${family} -t ${table} chain ${chain}`);
    }
  }
  const veths = (await run('ip', ['-o', 'link', 'show', 'master', BRIDGE])).stdout.trim();
  if (veths) out.push(`veths on ${BRIDGE}: ${veths.split('\n').length}`);
  return out;
}

/**
 * Remove the bridge and the chains, the kubelet's too: no other kubelet runs on this machine (one
 * that did would have its chains back within a minute).
 */
export async function removeNetwork(): Promise<void> {
  await removeChain('nat', NAT_CHAIN);
  await removeChain('filter', FWD_CHAIN);
  for (const family of FAMILIES) for (const { table, chain } of KUBELET_CHAINS) await removeChain(table, chain, family);
  if (existsSync(`/sys/class/net/${BRIDGE}`)) await must('ip', ['link', 'delete', 'dev', BRIDGE]);
}
