/**
 * kubeadm's certificate list (phases/certs/certlist.go, v1.37.2) and SAN computation
 * (util/pkiutil/pki_helpers.go GetAPIServerAltNames / getAltNames / appendSANsToAltNames).
 */
import type { EncryptionAlgorithm } from "./keys.ts";
import type { AltNames, ExtKeyUsage } from "./x509.ts";
import { firstIPOfCIDR } from "./ip.ts";
import { formatIPBytes, parseHostPort, parseIPSloppy } from "../util/net.ts";
import { isDNS1123Subdomain, isWildcardDNS1123Subdomain } from "../util/validation.ts";
import { KubestrapError } from "../errors.ts";
import type { InitConfig } from "../config/types.ts";
import { parseDurationMs } from "../util/duration.ts";

/** What the PKI code needs from the kubeadm configuration. */
export interface PkiInputs {
  /** e.g. /etc/kubernetes/pki */
  certificatesDir: string;
  /** nodeRegistration.name */
  nodeName: string;
  /** localAPIEndpoint.advertiseAddress (IPv4 or IPv6). */
  advertiseAddress: string;
  /** controlPlaneEndpoint: host or host:port, host a DNS name or IP. */
  controlPlaneEndpoint?: string;
  /** networking.serviceSubnet, possibly dual-stack "a,b"; only the first is used for the VIP. */
  serviceSubnet: string;
  /** networking.dnsDomain */
  dnsDomain: string;
  apiServerCertSANs?: string[];
  etcdServerCertSANs?: string[];
  etcdPeerCertSANs?: string[];
  /** etcd.external set: etcd CA and etcd certificates are not created. */
  externalEtcd?: boolean;
  encryptionAlgorithm?: EncryptionAlgorithm;
  /** certificateValidityPeriod in ms (default 8760h). */
  certificateValidityPeriod?: number;
  /** caCertificateValidityPeriod in ms (default 87600h). */
  caCertificateValidityPeriod?: number;
  /**
   * kubeadm's start time (kubeadmutil.StartTimeUTC). Called once per operation; the default is
   * the time this module was loaded, like kubeadm's process start time.
   */
  clock?: () => Date;
}

/**
 * The PKI inputs of a (defaulted) init configuration: node, endpoints, networking, SANs,
 * algorithm and validity periods, as kubeadm's certs phase reads them from InitConfiguration.
 */
export function pkiInputsFromConfig(cfg: InitConfig): PkiInputs {
  const c = cfg.cluster;
  const ms = (s: string | undefined) => s ? parseDurationMs(s) : undefined;
  return {
    certificatesDir: c.certificatesDir || "/etc/kubernetes/pki",
    nodeName: cfg.init.nodeRegistration.name ?? "",
    advertiseAddress: cfg.init.localAPIEndpoint.advertiseAddress ?? "",
    controlPlaneEndpoint: c.controlPlaneEndpoint || undefined,
    serviceSubnet: c.networking.serviceSubnet ?? "10.96.0.0/12",
    dnsDomain: c.networking.dnsDomain ?? "cluster.local",
    apiServerCertSANs: c.apiServer.certSANs ?? [],
    etcdServerCertSANs: c.etcd.local?.serverCertSANs ?? [],
    etcdPeerCertSANs: c.etcd.local?.peerCertSANs ?? [],
    externalEtcd: c.etcd.external !== undefined,
    encryptionAlgorithm: (c.encryptionAlgorithm || "RSA-2048") as EncryptionAlgorithm,
    certificateValidityPeriod: ms(c.certificateValidityPeriod),
    caCertificateValidityPeriod: ms(c.caCertificateValidityPeriod),
  };
}

const MODULE_START = new Date();
export const defaultClock = (): Date => MODULE_START;

export const HOUR = 3600 * 1000;
/** constants.CertificateBackdate */
export const CERTIFICATE_BACKDATE = 5 * 60 * 1000;
/** constants.CertificateValidityPeriod */
export const CERTIFICATE_VALIDITY_PERIOD = 8760 * HOUR;
/** constants.CACertificateValidityPeriod */
export const CA_CERTIFICATE_VALIDITY_PERIOD = 87600 * HOUR;

export type CertName =
  | "ca"
  | "apiserver"
  | "apiserver-kubelet-client"
  | "front-proxy-ca"
  | "front-proxy-client"
  | "etcd-ca"
  | "etcd-server"
  | "etcd-peer"
  | "etcd-healthcheck-client"
  | "apiserver-etcd-client";

export interface KubeadmCert {
  /** Phase / UX name, e.g. "etcd-server". */
  name: CertName;
  longName: string;
  /** File base name under certificatesDir, e.g. "etcd/server". */
  baseName: string;
  /** Signing CA's name; undefined for CAs. */
  caName?: CertName;
  /** Static CN (etcd server/peer use the node name). */
  commonName?: string;
  organization?: string[];
  usages: ExtKeyUsage[];
  /** SAN computation for serving certificates. */
  altNames?: "apiserver" | "etcd-server" | "etcd-peer";
  /** CN = nodeRegistration.name */
  commonNameIsNodeName?: boolean;
}

/** GetDefaultCertList(), in kubeadm's order (also the order of the `certs` sub-phases). */
export const DEFAULT_CERT_LIST: readonly KubeadmCert[] = [
  {
    name: "ca",
    longName: "self-signed Kubernetes CA to provision identities for other Kubernetes components",
    baseName: "ca",
    commonName: "kubernetes",
    usages: [],
  },
  {
    name: "apiserver",
    longName: "certificate for serving the Kubernetes API",
    baseName: "apiserver",
    caName: "ca",
    commonName: "kube-apiserver",
    usages: ["serverAuth"],
    altNames: "apiserver",
  },
  {
    name: "apiserver-kubelet-client",
    longName: "certificate for the API server to connect to kubelet",
    baseName: "apiserver-kubelet-client",
    caName: "ca",
    commonName: "kube-apiserver-kubelet-client",
    usages: ["clientAuth"],
  },
  {
    name: "front-proxy-ca",
    longName: "self-signed CA to provision identities for front proxy",
    baseName: "front-proxy-ca",
    commonName: "front-proxy-ca",
    usages: [],
  },
  {
    name: "front-proxy-client",
    longName: "certificate for the front proxy client",
    baseName: "front-proxy-client",
    caName: "front-proxy-ca",
    commonName: "front-proxy-client",
    usages: ["clientAuth"],
  },
  {
    name: "etcd-ca",
    longName: "self-signed CA to provision identities for etcd",
    baseName: "etcd/ca",
    commonName: "etcd-ca",
    usages: [],
  },
  {
    name: "etcd-server",
    longName: "certificate for serving etcd",
    baseName: "etcd/server",
    caName: "etcd-ca",
    usages: ["serverAuth", "clientAuth"],
    altNames: "etcd-server",
    commonNameIsNodeName: true,
  },
  {
    name: "etcd-peer",
    longName: "certificate for etcd nodes to communicate with each other",
    baseName: "etcd/peer",
    caName: "etcd-ca",
    usages: ["serverAuth", "clientAuth"],
    altNames: "etcd-peer",
    commonNameIsNodeName: true,
  },
  {
    name: "etcd-healthcheck-client",
    longName: "certificate for liveness probes to healthcheck etcd",
    baseName: "etcd/healthcheck-client",
    caName: "etcd-ca",
    commonName: "kube-etcd-healthcheck-client",
    usages: ["clientAuth"],
  },
  {
    name: "apiserver-etcd-client",
    longName: "certificate the apiserver uses to access etcd",
    baseName: "apiserver-etcd-client",
    caName: "etcd-ca",
    commonName: "kube-apiserver-etcd-client",
    usages: ["clientAuth"],
  },
];

/** GetCertsWithoutEtcd() or GetDefaultCertList(). */
export function certList(externalEtcd = false): KubeadmCert[] {
  return DEFAULT_CERT_LIST.filter((c) =>
    !externalEtcd || (c.name !== "etcd-ca" && c.caName !== "etcd-ca")
  );
}

export const SA_KEY_BASE_NAME = "sa";

// ---------------------------------------------------------------------------------------------
// SANs

/**
 * appendSANsToAltNames: IPs → IP SANs, (wildcard) RFC-1123 subdomains → DNS SANs, anything else
 * dropped with kubeadm's warning (returned in `warnings`).
 */
function appendSANs(
  alt: AltNames,
  sans: string[],
  certName: string,
  warnings: string[],
): void {
  for (const s of sans) {
    if (parseIPSloppy(s)) {
      alt.ips.push(s);
    } else if (isDNS1123Subdomain(s).length === 0 || isWildcardDNS1123Subdomain(s).length === 0) {
      alt.dnsNames.push(s);
    } else {
      warnings.push(
        `[certificates] WARNING: '${s}' was not added to the '${certName}' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry`,
      );
    }
  }
}

function requireAdvertiseIP(addr: string): string {
  if (!parseIPSloppy(addr)) {
    throw new KubestrapError(
      `error parsing LocalAPIEndpoint AdvertiseAddress ${addr}: is not a valid textual representation of an IP address`,
    );
  }
  return addr;
}

/** GetAPIServerAltNames. */
export function apiServerAltNames(inputs: PkiInputs, warnings: string[] = []): AltNames {
  const advertise = requireAdvertiseIP(inputs.advertiseAddress);
  let vip: string;
  try {
    const first = inputs.serviceSubnet.split(",")[0];
    vip = firstIPOfCIDR(first);
  } catch {
    throw new KubestrapError(
      `unable to get first IP address from the given CIDR: ${inputs.serviceSubnet}: unable to get internal Kubernetes Service IP from the given service CIDR: unable to parse ServiceSubnet ${inputs.serviceSubnet}`,
    );
  }
  const dnsNames: string[] = [];
  if (inputs.nodeName) dnsNames.push(inputs.nodeName);
  dnsNames.push("kubernetes", "kubernetes.default", "kubernetes.default.svc");
  if (inputs.dnsDomain) dnsNames.push(`kubernetes.default.svc.${inputs.dnsDomain}`);
  const alt: AltNames = { dnsNames, ips: [vip, advertise] };
  if (inputs.controlPlaneEndpoint) {
    const hp = parseHostPort(inputs.controlPlaneEndpoint);
    if (hp instanceof Error) {
      throw new KubestrapError(
        `error parsing cluster controlPlaneEndpoint ${
          JSON.stringify(inputs.controlPlaneEndpoint)
        }: ${hp.message}`,
      );
    }
    const host = hp.host;
    if (parseIPSloppy(host)) alt.ips.push(host);
    else alt.dnsNames.push(host);
  }
  appendSANs(alt, inputs.apiServerCertSANs ?? [], "apiserver", warnings);
  return alt;
}

/** getAltNames for etcd/server and etcd/peer. */
function etcdAltNames(
  inputs: PkiInputs,
  which: "etcd-server" | "etcd-peer",
  warnings: string[] = [],
): AltNames {
  const advertise = requireAdvertiseIP(inputs.advertiseAddress);
  const dnsNames = inputs.nodeName ? [inputs.nodeName, "localhost"] : ["localhost"];
  const alt: AltNames = { dnsNames, ips: [advertise, "127.0.0.1", "::1"] };
  if (!inputs.externalEtcd) {
    if (which === "etcd-server") {
      appendSANs(alt, inputs.etcdServerCertSANs ?? [], "etcd/server", warnings);
    } else appendSANs(alt, inputs.etcdPeerCertSANs ?? [], "etcd/peer", warnings);
  }
  return alt;
}

/**
 * RemoveDuplicateAltNames: DNS names de-duplicated and sorted; IPs de-duplicated in first-seen
 * order by their Go String() form, and normalized to it.
 */
export function removeDuplicateAltNames(alt: AltNames): AltNames {
  const dnsNames = [...new Set(alt.dnsNames)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const seen = new Set<string>();
  const ips: string[] = [];
  for (const s of alt.ips) {
    const ip = parseIPSloppy(s);
    if (!ip) continue;
    const str = formatIPBytes(ip);
    if (!seen.has(str)) {
      seen.add(str);
      ips.push(str);
    }
  }
  return { dnsNames, ips };
}

/** The subject and SANs kubeadm uses for a cert of the list, before de-duplication. */
export function certConfigFor(
  cert: KubeadmCert,
  inputs: PkiInputs,
  warnings: string[] = [],
): { commonName: string; organization: string[]; altNames: AltNames } {
  let altNames: AltNames = { dnsNames: [], ips: [] };
  if (cert.altNames === "apiserver") altNames = apiServerAltNames(inputs, warnings);
  else if (cert.altNames) altNames = etcdAltNames(inputs, cert.altNames, warnings);
  else if (!cert.caName && cert.commonName) altNames = { dnsNames: [cert.commonName], ips: [] };
  const commonName = cert.commonNameIsNodeName ? inputs.nodeName : cert.commonName ?? "";
  return { commonName, organization: cert.organization ?? [], altNames };
}
