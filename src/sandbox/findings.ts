/**
 * What each sandbox finding is: id, severity, tags, references and fix, in the shared RuleMeta shape so
 * the scan writers (table, JSON, SARIF) render sandbox results unchanged. Pages: docs/rules/sandbox/<name>.md.
 * Severities here are defaults; judge.ts raises or lowers one occurrence by what it reached.
 */
import type { RuleMeta } from '../core/rule.ts';

const BWRAP = 'https://github.com/containers/bubblewrap';
const STRACE = 'https://man7.org/linux/man-pages/man1/strace.1.html';

export const SANDBOX_EXEC: RuleMeta = {
  id: 'sandbox/exec',
  title: 'The sandboxed command started another program',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'AML.T0011', 'CWE-502', 'CWE-78'],
  references: [STRACE, 'https://docs.python.org/3/library/pickle.html#restricting-globals'],
  fix: 'Do not load this file outside a sandbox. A model loader has no reason to start programs: find where the call comes from (`parapet scan` names the callable in a pickle), get the model from its original publisher, or convert it to safetensors in the sandbox and use only the converted weights.',
};

export const SANDBOX_NETWORK: RuleMeta = {
  id: 'sandbox/network',
  title: 'The sandboxed command tried to use the network',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'AML.T0025', 'CWE-200'],
  references: [STRACE, 'https://man7.org/linux/man-pages/man7/network_namespaces.7.html'],
  fix: 'Treat the file or program as hostile: loading weights needs no network. For a server, give it only the loopback it listens on (--allow-net loopback) and check what it tried to reach before trusting it with a real network.',
};

export const SANDBOX_WRITE: RuleMeta = {
  id: 'sandbox/write',
  title: 'The sandboxed command wrote, created or changed a file',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-73'],
  references: [BWRAP, STRACE],
  fix: 'Read the path in the evidence: writes outside the --write directories were refused by the read-only view, writes to the private /tmp were discarded when the sandbox ended. A loader that writes shell start-up files, cron entries or site-packages is planting persistence: do not load the file outside the sandbox.',
};

export const SANDBOX_DELETE: RuleMeta = {
  id: 'sandbox/delete',
  title: 'The sandboxed command deleted or moved a file',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-73'],
  references: [BWRAP, STRACE],
  fix: 'Check the path in the evidence. Deletions outside the --write directories were refused; inside them they really happened, so restore those files from a copy and give the command a scratch directory next time.',
};

export const SANDBOX_SECRET_READ: RuleMeta = {
  id: 'sandbox/secret-read',
  title: 'The sandboxed command tried to read a credential or secret',
  severity: 'high',
  tags: ['OWASP-LLM02', 'OWASP-LLM03', 'AML.T0055', 'CWE-522'],
  references: [STRACE, 'https://attack.mitre.org/techniques/T1552/004/'],
  fix: 'Treat the file as a credential stealer. If the evidence says the read was not blocked, the secret was visible inside the sandbox: hide it (it lives outside the home directories the sandbox masks) and rotate it if the command could also reach a network.',
};

export const SANDBOX_PRIVILEGED_CALL: RuleMeta = {
  id: 'sandbox/privileged-call',
  title: 'The sandboxed command tried a system call used to escape or tamper (mount, ptrace, setns, modules)',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-250'],
  references: [STRACE, 'https://man7.org/linux/man-pages/man7/user_namespaces.7.html'],
  fix: 'No model loader mounts file systems, traces processes, enters namespaces or loads kernel modules: this is an attempt to break out. Do not run the file or program anywhere else, and keep the kernel and bubblewrap up to date.',
};

export const SANDBOX_TIMEOUT: RuleMeta = {
  id: 'sandbox/timeout',
  title: 'The sandboxed command ran past --timeout and was killed',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-400'],
  references: [BWRAP],
  fix: 'A load that does not finish is either too big for the limit or waiting out the sandbox (a payload that sleeps until it thinks it is unobserved). Raise --timeout once; if it still hangs, treat it as hostile. Servers under --profile serve end this way by design.',
};

export const SANDBOX_RESOURCE_LIMIT: RuleMeta = {
  id: 'sandbox/resource-limit',
  title: 'A sandboxed process was killed by a resource limit or crashed',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-400'],
  references: ['https://man7.org/linux/man-pages/man2/getrlimit.2.html'],
  fix: 'SIGXCPU and SIGXFSZ mean a CPU or file-size limit was hit; SIGSEGV, SIGBUS and SIGABRT in a loader mean the file drove native code off the rails (a malformed tensor, a crafted header). Re-run with a higher --memory only if the model is known to need it; otherwise report the file.',
};

/** Every sandbox finding's metadata, for the writers and the docs test. */
export const SANDBOX_RULE_METAS: readonly RuleMeta[] = [
  SANDBOX_EXEC,
  SANDBOX_NETWORK,
  SANDBOX_WRITE,
  SANDBOX_DELETE,
  SANDBOX_SECRET_READ,
  SANDBOX_PRIVILEGED_CALL,
  SANDBOX_TIMEOUT,
  SANDBOX_RESOURCE_LIMIT,
];
