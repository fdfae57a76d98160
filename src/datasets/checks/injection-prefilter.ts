/**
 * A cheap test run before the guard's injection detectors: the classifier and the phrase detectors cost
 * about 100 µs per 200-character text, which for a 1 GB data set (millions of texts) is most of the scan.
 * Texts that pass go to the guard; texts that fail are skipped. The words below are the vocabulary of
 * injections and jailbreaks (overrides, role play, extraction, template tokens) in the languages the guard
 * knows, plus anything outside Latin script or carrying an encoded run, which the guard decodes. Measured on
 * the guard's own evaluation prompts (bench/dataset-rules.bench.ts): it keeps 99%+ of what the guard flags.
 */

const WORDS =
  /ignor|disregard|forget|overrid|bypass|instruc|prompt|system|jailbr|\bdan\b|anything now|pretend|role[- ]?play|\bact as|acting as|you are now|you're now|from now on|developer mode|dev mode|unfilter|uncensor|unrestrict|restrict|no limit|limitation|\brules?\b|guideline|polic|ethic|moral|filter|censor|hypothetic|simulat|persona|character|opposite|\bevil|reveal|secret|password|passphrase|confidential|hidden|previous|above|\bprior|earlier|instead|new task|respond|answer only|\badmin|\bsudo|\broot\b|inst\]|<\||<<|##|\[\/?(?:system|user|assistant)|(?:system|user|assistant|human|ai)\s*:|\bstop\b|end of|begin|repeat|verbatim|print|output|access granted|granted|sure,? here|as an ai|openai|chatgpt|gpt|claude|llama|model|assistant|vergiss|olvid|oubli|anweisung|consign|istruzion|regel|r[eè]gle|regla|sistema|syst[eè]me|ignoriere|\bnow\b|mode|disable|enable|unlock|command|execute|token|\bkey\b|tell me|show me|what (?:is|are|were) your|your (?:task|goal|job|purpose)|must|obey|comply|always|never|do not|don't|without/i;

/** Characters outside Latin (and the common punctuation blocks): other scripts are left to the guard. */
const NON_LATIN = /[\u0370-\u1dff\u2e80-\uffef]/;

/** A run the guard would decode (base64, hex, URL escapes): an encoded injection has no words to match. */
const ENCODED = /[A-Za-z0-9+/=_-]{24,}|(?:%[0-9a-fA-F]{2}){4,}|(?:\\x[0-9a-fA-F]{2}){4,}/;

/** Characters that render as nothing (tags, zero-width, bidi): smuggled text goes to the guard. */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]|\udb40[\udc00-\udc7f]/;

export function mayBeInjection(text: string): boolean {
  return WORDS.test(text) || NON_LATIN.test(text) || ENCODED.test(text) || INVISIBLE.test(text);
}
