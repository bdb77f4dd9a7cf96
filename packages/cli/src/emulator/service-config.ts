/** The functions to emulate, from serverless.yml or an AWS SAM template.yaml, whichever is given or found. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { WarmpoolError } from 'warmpool';
import { isSamTemplate, parseTemplateYaml, samFunctions } from './sam-template.js';
import { type RawService, type ServiceDefinition, serverlessFunctions } from './serverless-config.js';

export type { ServiceDefinition } from './serverless-config.js';

export const DEFAULT_CONFIG_FILES = ['serverless.yml', 'serverless.yaml', 'template.yaml', 'template.yml'];

/** The file to read: the one given, else the first of DEFAULT_CONFIG_FILES in the working directory. */
export function configFile(given: string | undefined): string {
  if (given) {
    if (!existsSync(given)) throw new WarmpoolError('INVALID_OPTION', `--config ${given}: no such file`);
    return given;
  }
  const found = DEFAULT_CONFIG_FILES.find((f) => existsSync(f));
  if (!found) throw new WarmpoolError('INVALID_OPTION', `No ${DEFAULT_CONFIG_FILES.join(', ')} here: pass --config <file>`);
  return found;
}

export async function readServiceConfig(file: string, params: Record<string, string> = {}): Promise<ServiceDefinition> {
  const raw = await parseTemplateYaml(await readFile(file, 'utf8'));
  if (!raw || typeof raw !== 'object') throw new WarmpoolError('INVALID_OPTION', `${file} is not a YAML mapping`);
  return isSamTemplate(raw) ? samFunctions(raw as Parameters<typeof samFunctions>[0], file, params) : serverlessFunctions(raw as RawService, file, params);
}
