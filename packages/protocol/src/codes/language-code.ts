/** LanguageCode.java: the byte used by the ROCKETMQ header and the name used by the JSON header. */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

export type LanguageName = keyof typeof LanguageCode;

const names = Object.keys(LanguageCode) as LanguageName[];

export function languageFromByte(value: number): LanguageName {
  return names.find((name) => LanguageCode[name] === value) ?? 'OTHER';
}

/** Accepts a language name or an ordinal (ali-ons and older clients); unknown values become OTHER. */
export function parseLanguage(value: unknown): LanguageName {
  if (typeof value === 'string' && value in LanguageCode) return value as LanguageName;
  if (typeof value === 'number') return languageFromByte(value);
  return 'OTHER';
}
