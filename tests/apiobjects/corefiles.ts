/** Corefiles that kubeadm writes, shared by the CoreDNS upgrade and migration tests. */
import { parse } from "yaml";
import { coreDNSConfigMapTemplate } from "../../lib/apiobjects/addons/coredns.ts";

/** kubeadm's rendered default Corefile for `domain` (v1.32 on: `cache 30` with disables). */
export function kubeadmDefaultCorefile(domain = "cluster.local"): string {
  return (parse(coreDNSConfigMapTemplate(domain)) as { data: { Corefile: string } }).data
    .Corefile;
}

/** kubeadm's default before v1.32 (`cache 30` without the disable lines). */
export const KUBEADM_PRE_1_32_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;
