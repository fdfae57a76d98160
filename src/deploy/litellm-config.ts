/**
 * LiteLLM proxy `config.yaml` (docs.litellm.ai/docs/proxy/configs): recognised by its content — a top-level
 * `model_list` beside `litellm_settings`, `general_settings` or `router_settings` — since it is usually named
 * just `config.yaml`. Read for what decides who may call the proxy: `general_settings.master_key`, the
 * providers' `litellm_params.api_key` values, and `allow_requests_on_db_unavailable`. Values of the form
 * `os.environ/NAME` are references the proxy resolves at start; anything else is written in the file.
 */
import type { DeployConfig } from './types.ts';
import { at, get, items, keyNode, readYaml, str } from './yaml-nodes.ts';

/** A setting's value as written and its 1-based line. */
export interface LitellmSetting {
  value: string;
  line: number;
}

/** What a LiteLLM config says about access. */
export interface LitellmConfig {
  /** `general_settings.master_key`, or undefined when absent (or null). */
  masterKey?: LitellmSetting;
  /** Line of the `general_settings:` key, when the section exists. */
  generalSettingsLine?: number;
  /** Line of the `model_list:` key. */
  modelListLine: number;
  /** `litellm_params.api_key` of each model, with the model name. */
  apiKeys: (LitellmSetting & { model: string })[];
  /** `general_settings.allow_requests_on_db_unavailable` when set. */
  allowOnDbUnavailable?: LitellmSetting;
  /** `general_settings.database_url` is set (virtual keys need a database). */
  hasDatabaseUrl: boolean;
  /** Entries of `model_list`. */
  models: number;
}

/** True for a top-level `model_list:` with one of the proxy's other sections. */
export function looksLikeLitellmConfig(text: string): boolean {
  return /^model_list:/m.test(text) && /^(litellm_settings|general_settings|router_settings):/m.test(text);
}

/** `os.environ/NAME`: LiteLLM's reference to an environment variable. */
export function isEnvReference(value: string): boolean {
  return /^os\.environ\/[A-Za-z_][A-Za-z0-9_]*$/.test(value.trim());
}

/** Reads a LiteLLM config into a DeployConfig with no launches and the `litellm` summary. */
export function parseLitellmConfig(file: string, text: string): DeployConfig {
  const yaml = readYaml(text);
  const config: DeployConfig = { file, source: 'litellm-config', launches: [], errors: [...yaml.errors] };
  const doc = yaml.docs[0]?.contents;
  const general = get(doc, 'general_settings');
  const setting = (key: string): LitellmSetting | undefined => {
    const node = get(general, key);
    const value = str(node);
    return value === undefined || value === '' ? undefined : { value, line: yaml.lineOf(node) };
  };
  const litellm: LitellmConfig = {
    modelListLine: yaml.lineOf(keyNode(doc, 'model_list')),
    apiKeys: [],
    hasDatabaseUrl: setting('database_url') !== undefined,
    models: items(get(doc, 'model_list')).length,
  };
  if (general !== undefined) litellm.generalSettingsLine = yaml.lineOf(keyNode(doc, 'general_settings'));
  const masterKey = setting('master_key');
  if (masterKey !== undefined) litellm.masterKey = masterKey;
  const allow = setting('allow_requests_on_db_unavailable');
  if (allow !== undefined) litellm.allowOnDbUnavailable = allow;
  for (const model of items(get(doc, 'model_list'))) {
    const node = at(model, 'litellm_params', 'api_key');
    const value = str(node);
    if (value === undefined || value === '') continue;
    litellm.apiKeys.push({ value, line: yaml.lineOf(node), model: str(get(model, 'model_name')) ?? '?' });
  }
  config.litellm = litellm;
  return config;
}
