/**
 * The renewal manager's inventory (phases/certs/renewal/manager.go): the certificates
 * `kubeadm certs check-expiration` and `renew` know, and the CAs. Cheap to import (kubeadm's
 * certificate list only): the `certs renew` command tree is built from it at start-up.
 */
import { certList } from "../pki/certlist.ts";

export interface RenewableCert {
  /** check-expiration / renew name: "apiserver", ..., "admin.conf". */
  name: string;
  longName: string;
  /** File base name (PKI) or kubeconfig file name. */
  fileName: string;
  kind: "pki" | "kubeconfig";
  /** CA name as check-expiration prints it: ca, front-proxy-ca, etcd-ca. */
  caName: string;
  caBaseName: string;
}

export interface CAInfo {
  name: string;
  longName: string;
  baseName: string;
}

const KUBECONFIG_RENEWABLE: [string, string][] = [
  [
    "admin.conf",
    "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself",
  ],
  ["super-admin.conf", "certificate embedded in the kubeconfig file for the super-admin"],
  [
    "controller-manager.conf",
    "certificate embedded in the kubeconfig file for the controller manager to use",
  ],
  [
    "scheduler.conf",
    "certificate embedded in the kubeconfig file for the scheduler manager to use",
  ],
];

/** The renewal manager's inventory, sorted by name as kubeadm lists it. kubelet.conf excluded. */
export function renewableCerts(externalEtcd = false): RenewableCert[] {
  const list = certList(externalEtcd);
  const out: RenewableCert[] = [];
  for (const c of list) {
    if (!c.caName) continue;
    const ca = list.find((x) => x.name === c.caName)!;
    out.push({
      name: c.name,
      longName: c.longName,
      fileName: c.baseName,
      kind: "pki",
      caName: ca.name,
      caBaseName: ca.baseName,
    });
  }
  for (const [f, ln] of KUBECONFIG_RENEWABLE) {
    out.push({
      name: f,
      longName: ln,
      fileName: f,
      kind: "kubeconfig",
      caName: "ca",
      caBaseName: "ca",
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function certificateAuthorities(externalEtcd = false): CAInfo[] {
  return certList(externalEtcd).filter((c) => !c.caName).map((c) => ({
    name: c.name,
    longName: c.longName,
    baseName: c.baseName,
  }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
