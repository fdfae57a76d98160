/** The deploy/* rules, in report order: exposure first, then secrets and code execution, then hygiene. */
import type { DeploySubject } from '../../../deploy/types.ts';
import type { Rule } from '../../rule.ts';
import { authDisabled } from './auth-disabled.ts';
import { exposedWithoutAuth } from './exposed-without-auth.ts';
import { gradioAppExposed } from './gradio-app-exposed.ts';
import { inlineSecret } from './inline-secret.ts';
import { litellmDbFailOpen } from './litellm-db-fail-open.ts';
import { litellmInlineKey } from './litellm-inline-key.ts';
import { litellmNoMasterKey } from './litellm-no-master-key.ts';
import { llamaRpcExposed } from './llama-rpc-exposed.ts';
import { llamaServerAgentTools } from './llama-server-agent-tools.ts';
import { llamaServerWriteEndpoints } from './llama-server-write-endpoints.ts';
import { localaiHardeningOff } from './localai-hardening-off.ts';
import { ollamaOpenOrigins } from './ollama-open-origins.ts';
import { ollamaRequestLogging } from './ollama-request-logging.ts';
import { openWebuiOpenSignup } from './open-webui-open-signup.ts';
import { openWebuiUserTools } from './open-webui-user-tools.ts';
import { privilegedContainer } from './privileged-container.ts';
import { publicTunnel } from './public-tunnel.ts';
import { rootContainer } from './root-container.ts';
import { trustRemoteCode } from './trust-remote-code.ts';
import { unpinnedImage } from './unpinned-image.ts';
import { vllmApiKeyPartial } from './vllm-api-key-partial.ts';
import { vllmDevMode } from './vllm-dev-mode.ts';
import { vllmRequestChatTemplate } from './vllm-request-chat-template.ts';
import { vllmRuntimeLora } from './vllm-runtime-lora.ts';
import { vulnerableServerImage } from './vulnerable-server-image.ts';

/** Rules over one deployment file's launches. */
export const DEPLOY_RULES: readonly Rule<DeploySubject>[] = [
  exposedWithoutAuth,
  vllmApiKeyPartial,
  authDisabled,
  openWebuiOpenSignup,
  openWebuiUserTools,
  litellmNoMasterKey,
  gradioAppExposed,
  publicTunnel,
  llamaRpcExposed,
  llamaServerAgentTools,
  llamaServerWriteEndpoints,
  vllmDevMode,
  inlineSecret,
  litellmInlineKey,
  trustRemoteCode,
  vllmRuntimeLora,
  vllmRequestChatTemplate,
  localaiHardeningOff,
  litellmDbFailOpen,
  ollamaOpenOrigins,
  ollamaRequestLogging,
  privilegedContainer,
  rootContainer,
  vulnerableServerImage,
  unpinnedImage,
];
