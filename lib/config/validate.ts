/**
 * Validation of the defaulted configuration, with kubeadm v1.37.2's rules and messages
 * (apis/kubeadm/validation). Errors are apimachinery field errors
 * (`<path>: Invalid value: <value>: <detail>`) aggregated like utilerrors.NewAggregate:
 * one error as is, several as `[e1, e2, ...]` (duplicates dropped).
 *
 * Deliberate difference: kubeadm prints invalid bootstrap token values in its errors; kubestrap
 * never prints token or certificate-key values (apimachinery's "omitted value" rendering is used).
 */
import { KubestrapError } from "../errors.ts";
import { Host } from "../host.ts";
import * as C from "./constants.ts";
import { boundProblems } from "./decode.ts";
import { HOUR, parseDuration } from "../util/duration.ts";
import {
  cidrContains,
  cidrFamily,
  formatCIDR,
  parseCIDR,
  parseCIDRs,
  parseIPValue,
  rangeSize,
} from "./netutil.ts";
import type {
  APIEndpoint,
  Arg,
  BootstrapToken,
  ClusterConfiguration,
  Discovery,
  Etcd,
  InitConfig,
  JoinConfiguration,
  NodeRegistrationOptions,
  ResetConfiguration,
  UpgradeConfiguration,
} from "./types.ts";
import { goQuote } from "../util/goquote.ts";
import { parseHostPort, splitHostPort } from "../util/net.ts";
import { isDNS1123Subdomain, isWildcardDNS1123Subdomain } from "../util/validation.ts";

// ---------------------------------------------------------------------------------------------
// field.Error rendering

/** Marker for values that must not be printed (secrets). */
const OMIT = Symbol("omit");

export interface FieldError {
  type: "Invalid" | "Required";
  field: string;
  value?: unknown;
  detail: string;
}

/** Go's json.Marshal of simple values (HTML-escaping like Go). */
function goJSON(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(
    /&/g,
    "\\u0026",
  );
}

function renderFieldError(e: FieldError): string {
  let body: string;
  if (e.type === "Required") body = "Required value";
  else if (e.value === OMIT) body = "Invalid value";
  else if (typeof e.value === "number" || typeof e.value === "boolean") {
    body = `Invalid value: ${e.value}`;
  } else if (typeof e.value === "string") body = `Invalid value: ${goQuote(e.value)}`;
  else body = `Invalid value: ${goJSON(e.value ?? null)}`;
  if (e.detail) body += `: ${e.detail}`;
  return `${e.field}: ${body}`;
}

/** utilerrors.NewAggregate(...).Error(). */
export function aggregate(messages: string[]): string {
  const seen = [...new Set(messages)];
  if (seen.length === 1) return seen[0];
  // At most MAX_REPORTED_PROBLEMS, then a count of the rest (100,000 bad SANs would otherwise
  // make a line of megabytes).
  return `[${boundProblems(seen).join(", ")}]`;
}

class ConfigValidationError extends KubestrapError {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(aggregate(errors.map(renderFieldError)));
    this.name = "ConfigValidationError";
    this.errors = errors;
  }
}

const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  type: "Invalid",
  field,
  value,
  detail,
});
const required = (field: string, detail: string): FieldError => ({
  type: "Required",
  field,
  detail,
});

// ---------------------------------------------------------------------------------------------
// Primitive checks

/** A small subset of Go's url.Parse: the scheme and the errors kubeadm's checks can hit. */
function goURLParse(raw: string): { scheme: string } | Error {
  const fail = (msg: string) => new Error(`parse ${goQuote(raw)}: ${msg}`);
  for (const ch of raw) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) return fail("net/url: invalid control character in URL");
  }
  let rest = raw;
  let scheme = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ":") {
      if (i === 0) return fail("missing protocol scheme");
      scheme = raw.slice(0, i).toLowerCase();
      rest = raw.slice(i + 1);
    }
    break;
  }
  const hashAt = rest.indexOf("#");
  if (hashAt >= 0) rest = rest.slice(0, hashAt);
  const qAt = rest.indexOf("?");
  if (qAt >= 0) rest = rest.slice(0, qAt);
  const badEscape = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(rest);
  if (badEscape) return fail(`invalid URL escape ${goQuote("%" + badEscape[1])}`);
  if (scheme === "" && !rest.startsWith("/")) {
    const seg = rest.split("/")[0];
    if (seg.includes(":")) return fail("first path segment in URL cannot contain colon");
  }
  if ((scheme !== "" || rest.startsWith("//")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    const slash = authority.indexOf("/");
    if (slash >= 0) authority = authority.slice(0, slash);
    const at = authority.lastIndexOf("@");
    const hostport = at >= 0 ? authority.slice(at + 1) : authority;
    let portPart = "";
    if (hostport.startsWith("[")) {
      const end = hostport.indexOf("]");
      if (end < 0) return fail("missing ']' in host");
      portPart = hostport.slice(end + 1);
    } else {
      const c = hostport.lastIndexOf(":");
      if (c >= 0) portPart = hostport.slice(c);
    }
    if (portPart !== "" && !/^:[0-9]*$/.test(portPart)) {
      return fail(`invalid port ${goQuote(portPart)} after host`);
    }
  }
  return { scheme };
}

function isAbs(p: string): boolean {
  return p.startsWith("/");
}

// ---------------------------------------------------------------------------------------------
// Validators (same order as kubeadm)

function validateExtraArgs(args: Arg[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (args ?? []).forEach((a, i) => {
    if (!a.name) errs.push(invalid(path, `index ${i}`, "argument has no name"));
  });
  return errs;
}

function validateAbsolutePath(p: string | undefined, path: string): FieldError[] {
  return isAbs(p ?? "") ? [] : [invalid(path, p ?? "", "path is not absolute")];
}

function validateImagePullPolicy(policy: string | undefined, path: string): FieldError[] {
  if (!policy || ["Always", "IfNotPresent", "Never"].includes(policy)) return [];
  return [invalid(path, policy, "invalid pull policy")];
}

function validateSocketPath(socket: string | undefined, path: string): FieldError[] {
  if (!socket) return [invalid(path, socket ?? "", "empty CRI socket")];
  const u = goURLParse(socket);
  if (u instanceof Error) return [invalid(path, socket, `URL parsing error: ${u.message}`)];
  if (u.scheme !== "unix") {
    return [invalid(path, socket, `only URL scheme "unix" is supported, got ${goQuote(u.scheme)}`)];
  }
  return [];
}

function validateNodeRegistration(
  nro: NodeRegistrationOptions,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!nro.name) {
    errs.push(
      required(
        path,
        "--node-name or .nodeRegistration.name in the config file is a required value. It seems " +
          "like this value couldn't be automatically detected in your environment, please specify " +
          "the desired value using the CLI or config file.",
      ),
    );
  } else {
    for (const e of isDNS1123Subdomain(nro.name)) errs.push(invalid(`${path}.name`, nro.name, e));
  }
  errs.push(...validateSocketPath(nro.criSocket, `${path}.criSocket`));
  errs.push(...validateExtraArgs(nro.kubeletExtraArgs, `${path}.kubeletExtraArgs`));
  errs.push(...validateImagePullPolicy(nro.imagePullPolicy, `${path}.imagePullPolicy`));
  return errs;
}

const TOKEN_RE = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** bootstraputil.IsValidBootstrapToken. */
export function isValidBootstrapToken(t: string | undefined): boolean {
  return TOKEN_RE.test(t ?? "");
}

/** Token check; the value is never printed (kubeadm prints it). */
function validateToken(token: string | undefined, path: string): FieldError[] {
  return isValidBootstrapToken(token)
    ? []
    : [invalid(path, OMIT, "the bootstrap token is invalid")];
}

const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

function validateBootstrapTokens(bts: BootstrapToken[] | undefined, path: string) {
  const errs: FieldError[] = [];
  (bts ?? []).forEach((bt, i) => {
    const p = `${path}.${i}`;
    errs.push(...validateToken(bt.token, `${p}.token`));
    const usages = bt.usages ?? [];
    const bad = [...new Set(usages.filter((u) => u !== "signing" && u !== "authentication"))]
      .sort();
    if (bad.length > 0) {
      errs.push(
        invalid(
          `${p}.usages`,
          usages,
          `invalid bootstrap token usage string: ${
            bad.join(",")
          }, valid usage options: signing,authentication`,
        ),
      );
    }
    const groups = bt.groups ?? [];
    if (groups.length > 0 && !usages.includes("authentication")) {
      errs.push(
        invalid(
          `${p}.groups`,
          groups,
          `token groups cannot be specified unless --usages includes "authentication"`,
        ),
      );
    }
    for (const g of groups) {
      if (!GROUP_RE.test(g)) {
        errs.push(
          invalid(
            `${p}.groups`,
            groups,
            `bootstrap group ${
              goQuote(g)
            } is invalid (must match \\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z)`,
          ),
        );
      }
    }
    if (bt.expires !== undefined && bt.ttl !== undefined) {
      errs.push(
        invalid(p, "", "the BootstrapToken .TTL and .Expires fields are mutually exclusive"),
      );
    }
  });
  return errs;
}

function validateCertSANs(sans: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const san of sans ?? []) {
    const e1 = isDNS1123Subdomain(san);
    if (e1.length === 0) continue;
    const e2 = isWildcardDNS1123Subdomain(san);
    if (e2.length === 0) continue;
    if (parseIPValue(san)) continue;
    errs.push(
      invalid(
        path,
        san,
        `altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards: ${
          e1.join("; ")
        }; ${e2.join("; ")}`,
      ),
    );
  }
  return errs;
}

function validateURLs(urls: string[] | undefined, requireHTTPS: boolean, path: string) {
  const errs: FieldError[] = [];
  for (const u of urls ?? []) {
    const parsed = goURLParse(u);
    if (parsed instanceof Error) {
      errs.push(invalid(path, u, `URL parse error: ${parsed.message}`));
      continue;
    }
    if (requireHTTPS && parsed.scheme !== "https") {
      errs.push(invalid(path, u, "the URL must be using the HTTPS scheme"));
    }
    if (parsed.scheme === "") errs.push(invalid(path, u, "the URL without scheme is not allowed"));
  }
  return errs;
}

// Docker reference grammar (github.com/distribution/reference ReferenceRegexp).
const REF_DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const REF_DOMAIN =
  `(?:${REF_DOMAIN_COMPONENT}(?:\\.${REF_DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])` +
  "(?::[0-9]+)?";
const REF_PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const REF_NAME = `(?:${REF_DOMAIN}/)?${REF_PATH_COMPONENT}(?:/${REF_PATH_COMPONENT})*`;
const REFERENCE = new RegExp(
  `^(${REF_NAME})(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}))?$`,
);

function validateImageRepository(repo: string | undefined, path: string): FieldError[] {
  const image = `${repo ?? ""}/name:tag`;
  return REFERENCE.test(image)
    ? []
    : [invalid(path, repo ?? "", "invalid image repository format")];
}

function validateIPFromString(ip: string | undefined, path: string): FieldError[] {
  return parseIPValue(ip ?? "") ? [] : [invalid(path, ip ?? "", "ip address is not valid")];
}

function validateAPIEndpoint(ep: APIEndpoint, path: string): FieldError[] {
  const errs = validateIPFromString(ep.advertiseAddress, `${path}.advertiseAddress`);
  const port = ep.bindPort ?? 0;
  if (port < 1 || port > 65535) {
    errs.push(invalid(`${path}.bindPort`, port, "port number is not valid"));
  }
  return errs;
}

function validateCertificateKey(key: string | undefined, path: string): FieldError[] {
  if (!key) return [];
  if (!/^([0-9a-fA-F]{2})*$/.test(key)) {
    let detail: string;
    const badIdx = [...key].findIndex((c) => !/[0-9a-fA-F]/.test(c));
    if (badIdx >= 0) {
      detail = `encoding/hex: invalid byte: U+${
        key.codePointAt(badIdx)!.toString(16).toUpperCase().padStart(4, "0")
      } ${goQuote(key[badIdx]).replace(/^"|"$/g, "'")}`;
    } else detail = "encoding/hex: odd length hex string";
    return [invalid(path, OMIT, `certificate key decoding error: ${detail}`)];
  }
  const n = key.length / 2;
  if (n !== C.CERTIFICATE_KEY_SIZE) {
    return [
      invalid(
        path,
        OMIT,
        `invalid certificate key size ${n}, the key must be an AES key of size ${C.CERTIFICATE_KEY_SIZE}`,
      ),
    ];
  }
  return [];
}

function getArgValue(args: Arg[] | undefined, name: string): string {
  let v = "";
  for (const a of args ?? []) if (a.name === name) v = a.value;
  return v;
}

function validateIPNetFromString(subnetStr: string, minAddrs: number, path: string) {
  const errs: FieldError[] = [];
  const subnets = parseCIDRs(subnetStr.split(","));
  if (!subnets) return [invalid(path, subnetStr, "couldn't parse subnet")];
  const dual =
    "expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking";
  if (subnets.length > 2) errs.push(invalid(path, subnetStr, dual));
  else if (subnets.length === 2 && cidrFamily(subnets[0]) === cidrFamily(subnets[1])) {
    errs.push(invalid(path, subnetStr, dual));
  }
  for (const s of subnets) {
    const n = rangeSize(s);
    if (n < BigInt(minAddrs)) {
      errs.push(
        invalid(
          path,
          formatCIDR(s),
          `subnet with ${n} address(es) is too small, the minimum is ${minAddrs}`,
        ),
      );
    }
  }
  return errs;
}

/** Site-local (fec0::/10) overlap warnings of ValidateIPNetFromString. */
function siteLocalWarnings(subnetStr: string): string[] {
  const out: string[] = [];
  const site = parseCIDR("fec0::/10")!;
  for (const s of parseCIDRs(subnetStr.split(",")) ?? []) {
    if (s.bits !== 128) continue;
    if (cidrContains(site, s.ip) || cidrContains(s, site.ip)) {
      out.push(
        `the subnet ${
          formatCIDR(s)
        } contains IPv6 site-local addresses that belong to fec0::/10 which has been deprecated by rfc3879`,
      );
    }
  }
  return out;
}

function validateServiceSubnetSize(subnetStr: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const s of parseCIDRs(subnetStr.split(",")) ?? []) {
    if (s.bits - s.prefix > C.MAXIMUM_BITS_FOR_SERVICE_SUBNET) {
      errs.push(
        invalid(
          path,
          formatCIDR(s),
          `specified service subnet is too large; for ${s.bits}-bit addresses, the mask must be >= ${
            s.bits - C.MAXIMUM_BITS_FOR_SERVICE_SUBNET
          }`,
        ),
      );
    }
  }
  return errs;
}

function validatePodSubnetNodeMask(subnetStr: string, c: ClusterConfiguration, path: string) {
  const errs: FieldError[] = [];
  for (const s of parseCIDRs(subnetStr.split(",")) ?? []) {
    const v6 = cidrFamily(s) === 6;
    const arg = v6 ? "node-cidr-mask-size-ipv6" : "node-cidr-mask-size-ipv4";
    const val = getArgValue(c.controllerManager?.extraArgs, arg);
    let nodeMask = v6 ? 64 : 24;
    if (val !== "") {
      if (!/^[+-]?[0-9]+$/.test(val)) {
        errs.push(
          invalid(
            path,
            formatCIDR(s),
            `could not parse the value of the kube-controller-manager flag ${arg} as an integer: ` +
              `strconv.Atoi: parsing ${goQuote(val)}: invalid syntax`,
          ),
        );
        continue;
      }
      nodeMask = Number(val);
    }
    const maskSize = s.bits === 128 && s.ip.family === 4 ? s.prefix : s.prefix;
    if (maskSize > nodeMask) {
      errs.push(
        invalid(
          path,
          formatCIDR(s),
          `the size of pod subnet with mask ${maskSize} is smaller than the size of node subnet with mask ${nodeMask}`,
        ),
      );
    } else if (nodeMask - maskSize > C.POD_SUBNET_NODE_MASK_MAX_DIFF) {
      errs.push(
        invalid(
          path,
          formatCIDR(s),
          `pod subnet mask (${maskSize}) and node-mask (${nodeMask}) difference is greater than ${C.POD_SUBNET_NODE_MASK_MAX_DIFF}`,
        ),
      );
    }
  }
  return errs;
}

function validateNetworking(c: ClusterConfiguration, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const n = c.networking ?? {};
  for (const e of isDNS1123Subdomain(n.dnsDomain ?? "")) {
    errs.push(invalid(`${path}.dnsDomain`, n.dnsDomain ?? "", e));
  }
  if (n.serviceSubnet) {
    errs.push(
      ...validateIPNetFromString(
        n.serviceSubnet,
        C.MINIMUM_ADDRESSES_IN_SERVICE_SUBNET,
        `${path}.serviceSubnet`,
      ),
    );
    errs.push(...validateServiceSubnetSize(n.serviceSubnet, `${path}.serviceSubnet`));
  }
  if (n.podSubnet) {
    errs.push(
      ...validateIPNetFromString(
        n.podSubnet,
        C.MINIMUM_ADDRESSES_IN_POD_SUBNET,
        `${path}.podSubnet`,
      ),
    );
    if (getArgValue(c.controllerManager?.extraArgs, "allocate-node-cidrs") !== "false") {
      errs.push(...validatePodSubnetNodeMask(n.podSubnet, c, `${path}.podSubnet`));
    }
  }
  return errs;
}

function validateEtcd(e: Etcd, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!e.local && !e.external) {
    return [invalid(path, "", "either .Etcd.Local or .Etcd.External is required")];
  }
  if (e.local && e.external) {
    return [invalid(path, "", ".Etcd.Local and .Etcd.External are mutually exclusive")];
  }
  if (e.local) {
    const p = `${path}.local`;
    errs.push(...validateAbsolutePath(e.local.dataDir, `${p}.dataDir`));
    errs.push(...validateCertSANs(e.local.serverCertSANs, `${p}.serverCertSANs`));
    errs.push(...validateCertSANs(e.local.peerCertSANs, `${p}.peerCertSANs`));
    if (e.local.imageRepository) {
      errs.push(...validateImageRepository(e.local.imageRepository, `${p}.imageRepository`));
    }
    errs.push(...validateExtraArgs(e.local.extraArgs, `${p}.extraArgs`));
  }
  if (e.external) {
    const x = e.external;
    const p = `${path}.external`;
    const requireHTTPS = !!(x.caFile || x.certFile || x.keyFile);
    if ((!x.certFile && x.keyFile) || (x.certFile && !x.keyFile)) {
      errs.push(
        invalid(
          p,
          "",
          "either both or none of .Etcd.External.CertFile and .Etcd.External.KeyFile must be set",
        ),
      );
    }
    if (x.certFile && x.keyFile && !x.caFile) {
      errs.push(
        invalid(
          p,
          "",
          "setting .Etcd.External.CertFile and .Etcd.External.KeyFile requires .Etcd.External.CAFile",
        ),
      );
    }
    if (!x.endpoints || x.endpoints.length === 0) {
      errs.push(invalid(`${p}.endpoints`, "", "at least one endpoint must be specified"));
    } else errs.push(...validateURLs(x.endpoints, requireHTTPS, `${p}.endpoints`));
    errs.push(...validateURLs(x.httpEndpoints, false, `${p}.httpEndpoints`));
    if (x.caFile) errs.push(...validateAbsolutePath(x.caFile, `${p}.caFile`));
    if (x.certFile) errs.push(...validateAbsolutePath(x.certFile, `${p}.certFile`));
    if (x.keyFile) errs.push(...validateAbsolutePath(x.keyFile, `${p}.keyFile`));
  }
  return errs;
}

const ALGORITHMS = ["ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"];

function validateFeatureGates(fg: Record<string, boolean> | undefined, path: string) {
  const errs: FieldError[] = [];
  for (const k of Object.keys(fg ?? {})) {
    if (!(k in C.FEATURE_GATES)) errs.push(invalid(path, fg, `${k} is not a valid feature name.`));
  }
  return errs;
}

/** ValidateCertValidity: warnings only. */
function certValidityWarnings(c: ClusterConfiguration): string[] {
  const out: string[] = [];
  const cert = c.certificateValidityPeriod ? parseDuration(c.certificateValidityPeriod) : undefined;
  const ca = c.caCertificateValidityPeriod
    ? parseDuration(c.caCertificateValidityPeriod)
    : undefined;
  if (cert !== undefined && cert > 8760n * HOUR) {
    out.push(
      `WARNING: certificateValidityPeriod: the value ${c.certificateValidityPeriod} is more than the recommended default for certificate expiration: 8760h0m0s`,
    );
  }
  if (ca !== undefined && ca > 87600n * HOUR) {
    out.push(
      `WARNING: caCertificateValidityPeriod: the value ${c.caCertificateValidityPeriod} is more than the recommended default for CA certificate expiration: 87600h0m0s`,
    );
  }
  if (cert !== undefined && ca !== undefined && cert > ca) {
    out.push(
      `WARNING: certificateValidityPeriod: the value ${c.certificateValidityPeriod} is more than the caCertificateValidityPeriod: ${c.caCertificateValidityPeriod}`,
    );
  }
  return out;
}

/** ValidateClusterConfiguration (component-config validation is not modelled). */
function validateClusterConfiguration(c: ClusterConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  if (c.dns?.imageRepository) {
    errs.push(...validateImageRepository(c.dns.imageRepository, "dns.imageRepository"));
  }
  errs.push(...validateNetworking(c, "networking"));
  errs.push(...validateCertSANs(c.apiServer?.certSANs, "apiServer.certSANs"));
  errs.push(...validateExtraArgs(c.apiServer?.extraArgs, "apiServer.extraArgs"));
  errs.push(...validateExtraArgs(c.controllerManager?.extraArgs, "controllerManager.extraArgs"));
  errs.push(...validateExtraArgs(c.scheduler?.extraArgs, "scheduler.extraArgs"));
  errs.push(...validateAbsolutePath(c.certificatesDir, "certificatesDir"));
  errs.push(...validateFeatureGates(c.featureGates, "featureGates"));
  if (c.controlPlaneEndpoint && parseHostPort(c.controlPlaneEndpoint) instanceof Error) {
    errs.push(invalid("controlPlaneEndpoint", c.controlPlaneEndpoint, "endpoint is not valid"));
  }
  errs.push(...validateImageRepository(c.imageRepository, "imageRepository"));
  errs.push(...validateEtcd(c.etcd ?? {}, "etcd"));
  const algo = c.encryptionAlgorithm ?? "";
  if (!ALGORITHMS.includes(algo)) {
    errs.push(
      invalid(
        "encryptionAlgorithm",
        algo,
        `Invalid encryption algorithm ${goQuote(algo)}. Must be one of [${ALGORITHMS.join(" ")}]`,
      ),
    );
  }
  return errs;
}

/** Warnings ValidateClusterConfiguration/ValidateNetworking log (never fatal). */
export function clusterWarnings(c: ClusterConfiguration): string[] {
  const out: string[] = [];
  if (c.networking?.serviceSubnet && parseCIDRs(c.networking.serviceSubnet.split(","))) {
    out.push(...siteLocalWarnings(c.networking.serviceSubnet));
  }
  if (c.networking?.podSubnet && parseCIDRs(c.networking.podSubnet.split(","))) {
    out.push(...siteLocalWarnings(c.networking.podSubnet));
  }
  out.push(...certValidityWarnings(c));
  return out;
}

/** ValidateInitConfiguration. */
export function validateInitConfig(cfg: InitConfig): FieldError[] {
  return [
    ...validateNodeRegistration(cfg.init.nodeRegistration, "nodeRegistration"),
    ...validateBootstrapTokens(cfg.init.bootstrapTokens, "bootstrapTokens"),
    ...validateClusterConfiguration(cfg.cluster),
    ...validateAPIEndpoint(cfg.init.localAPIEndpoint, "localAPIEndpoint"),
    ...validateCertificateKey(cfg.init.certificateKey, "certificateKey"),
  ];
}

function validateDiscoveryKubeConfigPath(
  p: string,
  path: string,
  fileExists: (p: string) => boolean,
) {
  const u = goURLParse(p);
  if (u instanceof Error) return [invalid(path, p, "not a valid HTTPS URL or a file on disk")];
  if (u.scheme === "") {
    return fileExists(p) ? [] : [invalid(path, p, "not a valid HTTPS URL or a file on disk")];
  }
  if (u.scheme !== "https") return [invalid(path, p, "if a URL is used, the scheme must be https")];
  return [];
}

function validateDiscovery(
  d: Discovery,
  path: string,
  fileExists: (p: string) => boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!d.bootstrapToken && !d.file) {
    errs.push(invalid(path, "", "bootstrapToken or file must be set"));
  }
  if (d.bootstrapToken && d.file) {
    errs.push(invalid(path, "", "bootstrapToken and file cannot both be set"));
  }
  if (d.bootstrapToken) {
    const b = d.bootstrapToken;
    const bp = `${path}.bootstrapToken`;
    if (!b.apiServerEndpoint) errs.push(required(bp, "APIServerEndpoint is not set"));
    if ((b.caCertHashes ?? []).length === 0 && !b.unsafeSkipCAVerification) {
      errs.push(
        invalid(
          `${bp}.caCertHashes`,
          "",
          "using token-based discovery without caCertHashes can be unsafe. Set " +
            "unsafeSkipCAVerification as true in your kubeadm config file or pass " +
            "--discovery-token-unsafe-skip-ca-verification flag to continue",
        ),
      );
    }
    errs.push(...validateToken(b.token, `${bp}.token`));
    try {
      splitHostPort(b.apiServerEndpoint ?? "");
    } catch (e) {
      errs.push(
        invalid(`${bp}.apiServerEndpoint`, b.apiServerEndpoint ?? "", (e as Error).message),
      );
    }
    errs.push(...validateToken(d.tlsBootstrapToken, `${path}.tlsBootstrapToken`));
  }
  if (d.file) {
    errs.push(
      ...validateDiscoveryKubeConfigPath(
        d.file.kubeConfigPath ?? "",
        `${path}.file.kubeConfigPath`,
        fileExists,
      ),
    );
    if (d.tlsBootstrapToken) {
      errs.push(...validateToken(d.tlsBootstrapToken, `${path}.tlsBootstrapToken`));
    }
  }
  return errs;
}

/** A discovery file is a file of the machine kubestrap runs on (like `--config`). */
function defaultFileExists(p: string): boolean {
  const machine = new Host();
  return machine.existsSync(machine.absolute(p));
}

/** ValidateJoinConfiguration. */
export function validateJoinConfiguration(
  c: JoinConfiguration,
  fileExists: (p: string) => boolean = defaultFileExists,
): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateDiscovery(c.discovery ?? {}, "discovery", fileExists));
  errs.push(...validateNodeRegistration(c.nodeRegistration, "nodeRegistration"));
  if (c.controlPlane) {
    errs.push(
      ...validateAPIEndpoint(c.controlPlane.localAPIEndpoint, "controlPlane.localAPIEndpoint"),
    );
    errs.push(
      ...validateCertificateKey(c.controlPlane.certificateKey, "controlPlane.certificateKey"),
    );
  }
  const ca = c.caCertPath ?? "";
  if (!isAbs(ca) || !ca.endsWith(".crt")) {
    errs.push(invalid("caCertPath", ca, "the ca certificate path must be an absolute path"));
  }
  return errs;
}

const UNMOUNT_FLAGS = ["MNT_FORCE", "MNT_DETACH", "MNT_EXPIRE", "UMOUNT_NOFOLLOW"];

/** ValidateResetConfiguration. */
export function validateResetConfiguration(c: ResetConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateSocketPath(c.criSocket, "criSocket"));
  errs.push(...validateAbsolutePath(c.certificatesDir, "certificatesDir"));
  (c.unmountFlags ?? []).forEach((f, i) => {
    if (!UNMOUNT_FLAGS.includes(f)) {
      errs.push(invalid("unmountFlags", `index ${i}`, `unknown unmount flag ${f}`));
    }
  });
  return errs;
}

/** ValidateUpgradeConfiguration. */
export function validateUpgradeConfiguration(c: UpgradeConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  if (c.apply?.patches) {
    errs.push(...validateAbsolutePath(c.apply.patches.directory, "apply.patches.directory"));
  }
  if (c.node?.patches) {
    errs.push(...validateAbsolutePath(c.node.patches.directory, "node.patches.directory"));
  }
  errs.push(...validateImagePullPolicy(c.apply?.imagePullPolicy, "apply.imagePullPolicy"));
  errs.push(...validateImagePullPolicy(c.node?.imagePullPolicy, "node.imagePullPolicy"));
  return errs;
}

/** ValidateIgnorePreflightErrors: lower-cased union; `all` with others is an error. */
export function validateIgnorePreflightErrors(fromCLI: string[], fromConfig: string[]): string[] {
  const set = new Set<string>();
  for (const x of fromConfig) set.add(x.toLowerCase());
  for (const x of fromCLI) set.add(x.toLowerCase());
  const sorted = [...set].sort();
  if (set.has("all") && set.size > 1) {
    throw new ConfigValidationError([
      invalid(
        "ignore-preflight-errors",
        sorted.join(","),
        "don't specify individual checks if 'all' is used",
      ),
    ]);
  }
  return sorted;
}

/** Throws ConfigValidationError when the list is not empty. */
export function throwIfErrors(errs: FieldError[]): void {
  if (errs.length > 0) throw new ConfigValidationError(errs);
}
