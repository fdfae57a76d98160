/**
 * Model facts → a CycloneDX ML-BOM. The BOM is built with @cyclonedx/cyclonedx-library's models and JSON
 * serializer; what the library has no model for (`modelCard`, `pedigree`, `tags`, a data component's
 * `data`) is injected into the normalized JSON afterwards, exactly where the schema puts it. Never reads
 * files; validation is validate.ts.
 */
import { randomUUID } from 'node:crypto';
import { Enums, Models, Serialize, SPDX, Spec } from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import type { ModelFacts } from './collect.ts';
import { taskFromArchitecture } from './config.ts';
import type { DependencyFacts, FileFacts, SbomSpecVersion, SignatureFacts } from './types.ts';

/** Names listed per property value (changed files, unsigned files) before "and N more". */
const MAX_NAMES = 20;
/** Hugging Face repository ids: `name` (legacy canonical models) or `owner/name`. */
const HUB_ID = /^(?:([A-Za-z0-9][\w.-]{0,95})\/)?([A-Za-z0-9][\w.-]{0,95})$/;

type Json = Record<string, unknown>;

export interface AssembleOptions {
  specVersion: SbomSpecVersion;
  serialNumber?: string;
  timestamp?: Date | null;
  /** Parapet's version for `metadata.tools` (left out when unknown). */
  toolVersion?: string;
}

const SPECS = { '1.6': Spec.Spec1dot6, '1.7': Spec.Spec1dot7 } as const;

const prop = (
  name: string,
  value: string | number | bigint | boolean,
): InstanceType<typeof Models.Property> => new Models.Property(name, String(value));

function nameList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES).join(', ');
  return names.length > MAX_NAMES ? `${shown} and ${names.length - MAX_NAMES} more` : shown;
}

/** `pkg:huggingface/OWNER/NAME[@REVISION]` for a Hub id, or undefined when it is not one. */
export function huggingfacePurl(id: string, revision?: string): string | undefined {
  const m = HUB_ID.exec(id);
  if (m === null) return undefined;
  return new PackageURL('huggingface', m[1], m[2]!, revision, undefined, undefined).toString();
}

/** Builds the BOM as a plain JSON object (not yet validated). */
export function assembleBom(facts: ModelFacts, options: AssembleOptions): Json {
  const { source } = facts;
  const bom = new Models.Bom();
  bom.serialNumber = options.serialNumber ?? `urn:uuid:${randomUUID()}`;
  if (options.timestamp !== null) bom.metadata.timestamp = options.timestamp ?? new Date();
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'parapet', {
      bomRef: 'tool/parapet',
      ...(options.toolVersion === undefined ? {} : { version: options.toolVersion }),
    }),
  );

  const hub = source.hubRepo;
  const purl = hub === undefined ? undefined : huggingfacePurl(`${hub.owner}/${hub.name}`, hub.revision);
  const modelRef = purl ?? `model/${source.name}`;
  const model = new Models.Component(Enums.ComponentType.MachineLearningModel, source.name, {
    bomRef: modelRef,
  });
  if (hub !== undefined) {
    model.group = hub.owner;
    model.version = hub.revision;
    if (purl !== undefined) model.purl = purl;
  }
  bom.metadata.component = model;
  addLicenses(model, facts);
  addModelReferences(model, facts);
  model.properties.add(
    prop('parapet:source', hub === undefined ? 'local' : `hf://${hub.owner}/${hub.name}@${hub.revision}`),
  );
  model.properties.add(prop('parapet:files', facts.files.length));
  model.properties.add(
    prop(
      'parapet:size',
      facts.files.reduce((n, f) => n + f.size, 0),
    ),
  );
  addCardProperties(model, facts);
  addSignature(model, facts.signature);

  if (source.singleFile) {
    const only = facts.files[0];
    if (only !== undefined) addFileDetails(model, only, false);
  } else {
    for (const file of facts.files) {
      const c = new Models.Component(Enums.ComponentType.File, file.path, {
        bomRef: `${modelRef}#file:${file.path}`,
      });
      addFileDetails(c, file, true);
      const index = facts.indexes.find((i) => i.path === file.path);
      if (index !== undefined) {
        c.properties.add(prop('parapet:shards:count', index.shards.length));
        c.properties.add(prop('parapet:shards:tensors', index.tensors));
        if (index.parameters !== undefined)
          c.properties.add(prop('parapet:shards:parameters', index.parameters));
        if (index.declaredTotalSize !== undefined)
          c.properties.add(prop('parapet:shards:total_size', index.declaredTotalSize));
      }
      model.components.add(c);
    }
  }

  const datasetRefs = addDatasets(bom, facts.card?.datasets ?? []);
  const baseModels = baseModelIds(facts);
  if (facts.card?.baseModelRelation === 'adapter') {
    // An adapter cannot run without its base weights: a runtime dependency, not only lineage.
    for (const id of baseModels) {
      const c = new Models.Component(
        Enums.ComponentType.MachineLearningModel,
        id.slice(id.lastIndexOf('/') + 1),
        {
          bomRef: `base-model/${id}`,
        },
      );
      const p = huggingfacePurl(id);
      if (id.includes('/')) c.group = id.slice(0, id.indexOf('/'));
      if (p !== undefined) c.purl = p;
      bom.components.add(c);
      model.dependencies.add(c.bomRef);
    }
  }
  for (const dep of facts.dependencies) {
    const c = libraryComponent(dep);
    bom.components.add(c);
    if (dep.direct && !dep.dev) model.dependencies.add(c.bomRef);
  }
  for (const issue of facts.issues) {
    bom.metadata.properties.add(
      prop('parapet:issue', issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`),
    );
  }
  if (facts.issues.some((i) => i.incomplete)) bom.metadata.properties.add(prop('parapet:incomplete', true));

  const serializer = new Serialize.JsonSerializer(
    new Serialize.JSON.Normalize.Factory(SPECS[options.specVersion]),
  );
  const json = JSON.parse(serializer.serialize(bom, { sortLists: true })) as Json;
  inject(json, facts, datasetRefs, baseModels);
  return json;
}

function addLicenses(model: InstanceType<typeof Models.Component>, facts: ModelFacts): void {
  const card = facts.card;
  const raw = card?.licenses.length ? card.licenses : facts.ggufLicenses;
  for (const license of raw) {
    const spdx = SPDX.fixupSpdxId(license);
    if (spdx !== undefined) {
      model.licenses.add(new Models.SpdxLicense(spdx));
      continue;
    }
    // `other` means the card names its own licence (license_name, license_link).
    const name = license === 'other' && card?.licenseName ? card.licenseName : license;
    const url = licenseUrl(card?.licenseLink, facts);
    model.licenses.add(new Models.NamedLicense(name, url === undefined ? {} : { url }));
  }
}

/** `license_link` as a URL: absolute as written, or a repository path (resolved on the Hub for hf:// models). */
function licenseUrl(link: string | undefined, facts: ModelFacts): string | undefined {
  if (link === undefined) return undefined;
  if (/^https?:\/\/\S+$/.test(link)) return link;
  if (!/^[\w./-]+$/.test(link) || link.split('/').includes('..')) return undefined;
  const { hubUrl, hubRepo } = facts.source;
  const path = link.replace(/^\.\//, '');
  return hubUrl === undefined || hubRepo === undefined
    ? path
    : `${hubUrl}/blob/${encodeURIComponent(hubRepo.revision)}/${path}`;
}

function addModelReferences(model: InstanceType<typeof Models.Component>, facts: ModelFacts): void {
  const { source } = facts;
  const hub = source.hubRepo;
  const rev = hub === undefined ? '' : encodeURIComponent(hub.revision);
  if (source.hubUrl !== undefined) {
    model.externalReferences.add(
      new Models.ExternalReference(source.hubUrl, Enums.ExternalReferenceType.Website),
    );
  }
  if (facts.card !== undefined) {
    const url = source.hubUrl === undefined ? 'README.md' : `${source.hubUrl}/blob/${rev}/README.md`;
    model.externalReferences.add(new Models.ExternalReference(url, Enums.ExternalReferenceType.ModelCard));
  }
  const sig = facts.signature;
  if (sig !== undefined) {
    // The OMS bundle is a signed in-toto attestation about the model's files.
    const url =
      source.hubUrl !== undefined && sig.path === 'model.sig'
        ? `${source.hubUrl}/resolve/${rev}/model.sig`
        : sig.path;
    const ref = new Models.ExternalReference(url, Enums.ExternalReferenceType.Attestation, {
      comment: 'OpenSSF Model Signing bundle (Sigstore bundle with a DSSE-signed in-toto statement)',
    });
    const sha = facts.files.find((f) => f.path === sig.path)?.hashes['SHA-256'];
    if (sha !== undefined) ref.hashes.set(Enums.HashAlgorithm['SHA-256'], sha);
    model.externalReferences.add(ref);
  }
}

function addCardProperties(model: InstanceType<typeof Models.Component>, facts: ModelFacts): void {
  const card = facts.card;
  if (card !== undefined) {
    if (card.libraryName !== undefined)
      model.properties.add(prop('parapet:card:library_name', card.libraryName));
    for (const l of card.languages) model.properties.add(prop('parapet:card:language', l));
    for (const m of card.metricNames) model.properties.add(prop('parapet:card:metric', m));
    // Every base_model as written, including those that are not Hub ids (local paths) and so get no ancestor.
    for (const b of card.baseModels) model.properties.add(prop('parapet:card:base_model', b));
    if (card.baseModelRelation !== undefined)
      model.properties.add(prop('parapet:card:base_model_relation', card.baseModelRelation));
  }
  if (facts.config?.remoteCode) {
    // auto_map: transformers imports Python from the repository, so loading needs trust_remote_code=True.
    model.properties.add(
      prop(
        'parapet:config:auto_map',
        'present: loading runs Python code shipped with the model (trust_remote_code)',
      ),
    );
  }
}

function addSignature(model: InstanceType<typeof Models.Component>, sig: SignatureFacts | undefined): void {
  model.properties.add(prop('parapet:signature:present', sig !== undefined));
  if (sig === undefined) return;
  const add = (name: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== '') model.properties.add(prop(`parapet:signature:${name}`, value));
  };
  add('file', sig.path);
  add('method', sig.method);
  add('media_type', sig.mediaType);
  add('key_hint', sig.keyHint);
  add('public_key_sha256', sig.publicKeySha256);
  add('identity', sig.identity);
  add('oidc_issuer', sig.oidcIssuer);
  add('certificate_subject', sig.certificateSubject);
  add('certificate_issuer', sig.certificateIssuer);
  add('certificate_sha256', sig.certificateSha256);
  add('tlog_entries', sig.method === 'unknown' ? undefined : sig.tlogEntries);
  add('predicate_type', sig.predicateType);
  add('subject_name', sig.subjectName);
  add('subject_digest', sig.subjectDigest);
  add('serialization', sig.serialization?.method);
  add('hash_type', sig.serialization?.hashType);
  add('shard_size', sig.serialization?.shardSize);
  add('resources', sig.resources.length);
  add('error', sig.error);
  const claims = sig.claimsMatch;
  add('claims', claims.status);
  if (claims.status === 'not-compared') add('claims_detail', claims.reason);
  if (claims.status === 'mismatch') {
    const parts: string[] = [];
    if (claims.changed.length > 0) parts.push(`changed: ${nameList(claims.changed)}`);
    if (claims.missing.length > 0) parts.push(`missing: ${nameList(claims.missing)}`);
    if (claims.unsigned.length > 0) parts.push(`unsigned: ${nameList(claims.unsigned)}`);
    add('claims_detail', parts.join('; '));
  }
  // HOOK: `verified` stays `not-checked` until a verifier is wired (ModelBomOptions.verifySignature).
  add('verified', sig.verdict === undefined ? 'not-checked' : String(sig.verdict.verified));
  add('verification_detail', sig.verdict?.detail);
}

function addFileDetails(c: InstanceType<typeof Models.Component>, file: FileFacts, withSize: boolean): void {
  const sha = file.hashes['SHA-256'];
  const b3 = file.hashes.BLAKE3;
  if (sha !== undefined) c.hashes.set(Enums.HashAlgorithm['SHA-256'], sha);
  if (b3 !== undefined) c.hashes.set(Enums.HashAlgorithm.BLAKE3, b3);
  if (withSize) c.properties.add(prop('parapet:file:size', file.size));
  if (file.hashOrigin === 'hub-lfs-oid') c.properties.add(prop('parapet:hash:origin', 'hub-lfs-oid'));
  if (file.symlink) c.properties.add(prop('parapet:file:symlink', true));
  const w = file.weights;
  if (w === undefined) return;
  c.properties.add(prop('parapet:weights:format', w.format));
  c.properties.add(prop('parapet:weights:tensors', w.tensors));
  c.properties.add(prop('parapet:weights:parameters', w.parameters));
  for (const [dtype, n] of Object.entries(w.dtypes))
    c.properties.add(prop(`parapet:weights:dtype:${dtype}`, n));
  for (const [key, value] of Object.entries(w.metadata ?? {}))
    c.properties.add(prop(`parapet:gguf:${key}`, value));
}

/** One `data` component per dataset the card names; returns their bom-refs in card order. */
function addDatasets(bom: InstanceType<typeof Models.Bom>, datasets: readonly string[]): Map<string, string> {
  const refs = new Map<string, string>();
  for (const id of datasets) {
    const ref = `dataset/${id}`;
    if (refs.has(id)) continue;
    const c = new Models.Component(Enums.ComponentType.Data, id, { bomRef: ref });
    if (HUB_ID.test(id)) {
      c.externalReferences.add(
        new Models.ExternalReference(
          `https://huggingface.co/datasets/${id}`,
          Enums.ExternalReferenceType.Website,
        ),
      );
    }
    bom.components.add(c);
    refs.set(id, ref);
  }
  return refs;
}

/** Base models from the card, else from GGUF metadata. */
function baseModelIds(facts: ModelFacts): string[] {
  const fromCard = facts.card?.baseModels ?? [];
  return (fromCard.length > 0 ? fromCard : facts.ggufBaseModels).filter((id) => HUB_ID.test(id));
}

function libraryComponent(dep: DependencyFacts): InstanceType<typeof Models.Component> {
  const namespace =
    dep.ecosystem === 'npm' && dep.name.startsWith('@')
      ? dep.name.slice(0, dep.name.indexOf('/'))
      : undefined;
  const name = namespace === undefined ? dep.name : dep.name.slice(namespace.length + 1);
  const c = new Models.Component(Enums.ComponentType.Library, name, { bomRef: dep.purl, purl: dep.purl });
  if (namespace !== undefined) c.group = namespace;
  if (dep.version !== undefined) c.version = dep.version;
  // Development-only dependencies are not needed to run the model.
  if (dep.dev) c.scope = Enums.ComponentScope.Excluded;
  for (const s of dep.specifiers) c.properties.add(prop('parapet:dependency:specifier', s));
  for (const f of dep.files) c.properties.add(prop('parapet:dependency:file', f));
  c.properties.add(prop('parapet:dependency:direct', dep.direct));
  return c;
}

/** The parts of a 1.6 ML-BOM the library has no model for, added to the serialized JSON. */
function inject(
  json: Json,
  facts: ModelFacts,
  datasetRefs: ReadonlyMap<string, string>,
  baseModels: readonly string[],
): void {
  const metadata = json.metadata as Json;
  const model = metadata.component as Json;
  const card = modelCard(facts, datasetRefs);
  if (card !== undefined) model.modelCard = card;
  if (facts.card !== undefined && facts.card.tags.length > 0) model.tags = [...facts.card.tags];
  if (baseModels.length > 0) {
    const pedigree: Json = {
      ancestors: baseModels.map((id) => {
        const ancestor: Json = { type: 'machine-learning-model', name: id.slice(id.lastIndexOf('/') + 1) };
        if (id.includes('/')) ancestor.group = id.slice(0, id.indexOf('/'));
        const purl = huggingfacePurl(id);
        if (purl !== undefined) ancestor.purl = purl;
        return ancestor;
      }),
    };
    const relation = facts.card?.baseModelRelation;
    pedigree.notes = `base_model${relation === undefined ? '' : ` (${relation})`} from ${facts.card?.baseModels.length ? 'the model card' : 'GGUF metadata'}`;
    model.pedigree = pedigree;
  }
  const components = (json.components as Json[] | undefined) ?? [];
  for (const c of components) {
    if (c.type !== 'data') continue;
    const data: Json = { type: 'dataset', name: c.name };
    const site = (c.externalReferences as Json[] | undefined)?.[0]?.url;
    if (typeof site === 'string') data.contents = { url: site };
    c.data = [data];
  }
}

/** `modelCard`: modelParameters from config.json and the card, results, and counts as properties. */
function modelCard(facts: ModelFacts, datasetRefs: ReadonlyMap<string, string>): Json | undefined {
  const card = facts.card;
  const config = facts.config;
  const params: Json = {};
  const properties: { name: string; value: string }[] = [];
  const add = (name: string, value: string | number | bigint): void => {
    properties.push({ name, value: String(value) });
  };
  const arch = config?.architectures[0];
  const inferred = arch === undefined ? undefined : taskFromArchitecture(arch);
  if (card?.pipelineTag !== undefined) {
    params.task = card.pipelineTag;
    add('parapet:task:source', 'pipeline_tag');
  } else if (inferred !== undefined) {
    params.task = inferred;
    add('parapet:task:source', 'architectures');
  }
  const ggufArch = facts.files
    .map((f) => f.weights?.metadata?.['general.architecture'])
    .find((a) => a !== undefined);
  const family = config?.modelType ?? ggufArch;
  if (family !== undefined) params.architectureFamily = family;
  if (arch !== undefined) params.modelArchitecture = arch;
  if (datasetRefs.size > 0) params.datasets = [...datasetRefs.values()].map((ref) => ({ ref }));
  if (facts.parameters !== undefined) add('parapet:parameters', facts.parameters);
  if (facts.tensors !== undefined) add('parapet:tensors', facts.tensors);
  const formats = [...new Set(facts.files.flatMap((f) => (f.weights ? [f.weights.format] : [])))].sort();
  for (const f of formats) add('parapet:weights:format', f);
  if (config !== undefined) {
    if (config.architectures.length > 1) add('parapet:config:architectures', config.architectures.join(', '));
    for (const [key, value] of Object.entries(config.hyperparameters)) add(`parapet:config:${key}`, value);
  }
  const out: Json = {};
  if (Object.keys(params).length > 0) out.modelParameters = params;
  if (card !== undefined && card.results.length > 0) {
    out.quantitativeAnalysis = { performanceMetrics: card.results.map((r) => ({ ...r })) };
  }
  if (properties.length > 0) out.properties = properties;
  return Object.keys(out).length > 0 ? out : undefined;
}
