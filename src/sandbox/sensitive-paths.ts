/**
 * Paths whose mere opening by a model loader is an attack: keys, cloud and registry credentials, password
 * hashes, browser profiles, other processes' environments. Matched on the absolute path the process asked
 * for, whoever's home it is under, so an attempt counts even where the sandbox hid the file.
 */

interface SecretPattern {
  what: string;
  test: RegExp;
}

const SECRETS: readonly SecretPattern[] = [
  { what: 'SSH private key or SSH configuration', test: /\/\.ssh(\/|$)/ },
  { what: 'AWS credentials', test: /\/\.aws\/(credentials|config)$/ },
  { what: 'Google Cloud credentials', test: /\/\.config\/gcloud\// },
  { what: 'Azure credentials', test: /\/\.azure\// },
  { what: 'Kubernetes configuration', test: /\/\.kube\/config$/ },
  { what: 'Kubernetes service-account token', test: /^\/(var\/)?run\/secrets\/kubernetes\.io\// },
  { what: 'Docker registry credentials', test: /\/\.docker\/config\.json$/ },
  { what: 'netrc credentials', test: /\/\.netrc$/ },
  { what: 'git credentials', test: /\/\.git-credentials$|\/\.config\/git\/credentials$/ },
  { what: 'package registry token', test: /\/\.pypirc$|\/\.npmrc$|\/\.config\/pip\/pip\.conf$/ },
  { what: 'Hugging Face token', test: /\/(\.huggingface|\.cache\/huggingface)\/(token|stored_tokens)$/ },
  { what: 'GnuPG keyring', test: /\/\.gnupg\// },
  { what: 'password hashes', test: /^\/etc\/(shadow|gshadow)-?$/ },
  { what: 'sudo rules', test: /^\/etc\/sudoers(\.d\/|$)/ },
  {
    what: 'browser profile',
    test: /\/\.mozilla\/firefox\/|\/\.config\/(google-chrome|chromium|BraveSoftware)\//,
  },
  { what: 'shell history', test: /\/\.(bash|zsh)_history$|\/\.python_history$/ },
  { what: 'a .env file of secrets', test: /\/\.env(\.[a-z]+)?$/ },
  { what: "a process's environment variables", test: /^\/proc\/(\d+|self|thread-self)\/environ$/ },
];

/** What secret `path` holds, or undefined when it is not one. */
export function secretKind(path: string): string | undefined {
  return SECRETS.find((s) => s.test.test(path))?.what;
}
