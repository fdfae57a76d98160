import type { TemplateAnalysis } from '../../chat-template.ts';

/** One Jinja template found in a model file or config, with where it came from and how it is used. */
export interface TemplateSubject {
  /** Where the template sits: `tokenizer.chat_template`, `chat_template[tool_use]`, `deploy_script`. */
  key: string;
  /**
   * True when loaders render it as a chat template (GGUF `tokenizer.chat_template*`, HF `chat_template`, a
   * `.jinja` file). False for other strings that merely look like templates: a payload there is dormant.
   */
  rendered: boolean;
  analysis: TemplateAnalysis;
  offset?: number | undefined;
  line?: number | undefined;
}
