// Metric label values that pod authors choose, bounded: a container label is a container name the
// catalog knows (names that some catalog entry matches exactly), else "other"; a namespace label is
// one of the first `maxNamespaces` namespaces seen, then "other". So a pod cannot grow the metric
// series without bound by naming its containers or namespaces freshly each time.

import type { Catalog } from '../core/catalog.ts';

export class MetricLabels {
  private readonly known: ReadonlySet<string>;
  private readonly namespaces = new Set<string>();
  private readonly maxNamespaces: number;

  constructor(catalog: Catalog, maxNamespaces = 200) {
    this.known = new Set(catalog.flatMap((e) => e.names));
    this.maxNamespaces = maxNamespaces;
  }

  container(name: string): string {
    return this.known.has(name) ? name : 'other';
  }

  namespace(ns: string): string {
    if (this.namespaces.has(ns)) return ns;
    if (this.namespaces.size >= this.maxNamespaces) return 'other';
    this.namespaces.add(ns);
    return ns;
  }

  of(namespace: string, container: string): { namespace: string; container: string } {
    return { namespace: this.namespace(namespace), container: this.container(container) };
  }
}
