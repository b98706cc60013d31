/**
 * show-join-command (cmd/phases/init/showjoincommand.go, cmd/util/join.go): the join
 * command and the "initialized successfully" banner, verbatim with the program name as
 * a parameter ("kubeadm" reproduces kubeadm byte for byte).
 */

/** What the join command is made of. */
export interface JoinCommandInput {
  /** Program name: "kubeadm" or "kubestrap". */
  program?: string;
  /** `host:port` (the admin kubeconfig's server with "https://" removed). */
  controlPlaneHostPort: string;
  token: string;
  /** `sha256:<hex>` pins, one per CA certificate. */
  caCertHashes: string[];
  controlPlane?: boolean;
  certificateKey?: string;
  /** Print `<value withheld>` instead of the token / certificate key. */
  skipTokenPrint?: boolean;
  skipCertificateKeyPrint?: boolean;
}

/** html/template's escaping of text (the join template is an html/template). */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"&'+<>]/g, (c) =>
    ({
      "\0": "\uFFFD",
      '"': "&#34;",
      "&": "&amp;",
      "'": "&#39;",
      "+": "&#43;",
      "<": "&lt;",
      ">": "&gt;",
    })[c]!);
}

/** Strip the `https://` of a server URL the way kubeadm does (every occurrence). */
export function hostPortOfServer(server: string): string {
  return server.replaceAll("https://", "");
}

/**
 * The join command, with kubeadm's line continuations: `<program> join <hp> --token <t> \`
 * then a TAB and one `--discovery-token-ca-cert-hash <h> ` per pin (each followed by a
 * space); for a control plane ` \`, TAB, `--control-plane ` and `--certificate-key <k>`.
 */
export function joinCommand(input: JoinCommandInput): string {
  const program = input.program ?? "kubeadm";
  const token = input.skipTokenPrint ? "<value withheld>" : htmlEscape(input.token);
  const key = input.skipCertificateKeyPrint
    ? "<value withheld>"
    : htmlEscape(input.certificateKey ?? "");
  let out = `${program} join ${htmlEscape(input.controlPlaneHostPort)} --token ${token} \\\n\t`;
  for (const h of input.caCertHashes) out += `--discovery-token-ca-cert-hash ${htmlEscape(h)} `;
  if (input.controlPlane) {
    out += `\\\n\t--control-plane `;
    if (key) out += `--certificate-key ${key}`;
  }
  return out;
}

/**
 * `token create --print-join-command`: the join command with its line continuations
 * and tabs removed (kubeadm prints it followed by a newline).
 */
export function joinCommandOneLine(input: JoinCommandInput): string {
  return joinCommand(input).replaceAll("\\\n", "").replaceAll("\t", "");
}

/** What the final init banner needs. */
export interface InitDoneInput {
  program?: string;
  /** The admin kubeconfig path shown in `sudo cp -i <path> $HOME/.kube/config`. */
  kubeConfigPath: string;
  /** Whether `controlPlaneEndpoint` is set (adds the control-plane join block). */
  controlPlaneEndpoint: boolean;
  /** Whether `--upload-certs` was given. */
  uploadCerts: boolean;
  joinControlPlaneCommand: string;
  joinWorkerCommand: string;
}

/**
 * kubeadm's initDoneTempl (dedented), printed once per bootstrap token. The `kubeadm`
 * in the upload-certs hint follows `program` too.
 */
export function initDoneText(i: InitDoneInput): string {
  const program = i.program ?? "kubeadm";
  let cp = "";
  if (i.controlPlaneEndpoint) {
    if (i.uploadCerts) {
      cp =
        `You can now join any number of control-plane nodes running the following command on each as root:

  ${i.joinControlPlaneCommand}

Please note that the certificate-key gives access to cluster sensitive data, keep it secret!
As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use
"${program} init phase upload-certs --upload-certs" to reload certs afterward.

`;
    } else {
      cp = `You can now join any number of control-plane nodes by copying certificate authorities
and service account keys on each node and then running the following as root:

  ${i.joinControlPlaneCommand}

`;
    }
  }
  return `
Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i ${i.kubeConfigPath} $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/

${cp}Then you can join any number of worker nodes by running the following on each as root:

${i.joinWorkerCommand}
`;
}

/** What the whole show-join-command output needs. */
export interface ShowJoinInput {
  program?: string;
  kubeConfigPath: string;
  /** The admin kubeconfig's server URL. */
  server: string;
  caCertHashes: string[];
  /** All bootstrap tokens (one banner per token, as kubeadm does). */
  tokens: string[];
  controlPlaneEndpoint: boolean;
  uploadCerts: boolean;
  certificateKey?: string;
  skipTokenPrint?: boolean;
  skipCertificateKeyPrint?: boolean;
}

/** kubeadm's showJoinCommand: the banner for each token, concatenated. */
export function showJoinCommandText(i: ShowJoinInput): string {
  const hp = hostPortOfServer(i.server);
  return i.tokens.map((token) => {
    const base = {
      program: i.program,
      controlPlaneHostPort: hp,
      token,
      caCertHashes: i.caCertHashes,
      skipTokenPrint: i.skipTokenPrint,
    };
    return initDoneText({
      program: i.program,
      kubeConfigPath: i.kubeConfigPath,
      controlPlaneEndpoint: i.controlPlaneEndpoint,
      uploadCerts: i.uploadCerts,
      joinControlPlaneCommand: joinCommand({
        ...base,
        controlPlane: true,
        certificateKey: i.certificateKey,
        skipCertificateKeyPrint: i.skipCertificateKeyPrint,
      }),
      joinWorkerCommand: joinCommand(base),
    });
  }).join("");
}
