import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { ExitCode, LIBRARY_EXIT_CODES } from '@fraudops/cli';
import { readWorkspaceFile, workspaceRoot } from './workspace.js';

/*
 * docs/errors.md must document every error code the sources declare. The codes are found with the TypeScript
 * type checker, not by grepping string literals:
 *
 * - An error family is a class that extends `Error` directly and has a `code` (or, failing that, an
 *   `errorCode`) member, plus every class that extends it.
 * - When the member's declared type is a union of string literals (`type XCode = 'A' | 'B'`,
 *   `(typeof XCode)[keyof typeof XCode]`, `keyof typeof STATUS`), that union IS the set of codes.
 * - When it is an open `string` (DatabricksError passes server codes through), the codes are the literal values
 *   that can reach the member: the code argument of every `new`/`super(...)` of a family class (through
 *   variables, `??`/`?:`, function parameters, interface properties filled by object literals, and every value
 *   of an `as const` code object one of whose members is used), its default value, and the literals that
 *   code compares a family error's code against (`error.code === 'GIT_UNKNOWN_REF'`).
 * - Exit codes: every `ExitCode` const object of numbers.
 *
 * Each project has one `## ` section in docs/errors.md whose heading names its directory in backticks
 * (`` `libs/features` ``); the section must mention every code of the families declared in that project as
 * `` `CODE` `` and list every exit code in the first column of a table row.
 */

export interface ErrorFamily {
  /** Workspace-relative directory of the project that declares the root class, e.g. `libs/features`. */
  project: string;
  root: string;
  file: string;
  /** `code` or `errorCode`. */
  member: string;
  /** True when the member's type is a finite union of string literals. */
  closed: boolean;
  /** Classes of the family (the root first). */
  classes: string[];
  codes: string[];
}

export interface ExitCodeTable {
  project: string;
  file: string;
  codes: Record<string, number>;
}

const CODE_MEMBERS = ['code', 'errorCode'];

function stringLiteralsOfType(type: ts.Type): string[] | undefined {
  const parts = type.isUnion() ? type.types : [type];
  const values: string[] = [];
  for (const part of parts) {
    if (!part.isStringLiteral()) return undefined;
    values.push(part.value);
  }
  return values.length > 0 ? values : undefined;
}

function unwrap(expr: ts.Expression): ts.Expression {
  let e = expr;
  while (
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isNonNullExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isTypeAssertionExpression(e)
  ) {
    e = e.expression;
  }
  return e;
}

/** The `as const` object literal a variable is initialised with, if it is one. */
function constObjectOf(declaration: ts.Declaration | undefined): ts.ObjectLiteralExpression | undefined {
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const init = declaration.initializer;
  if (!ts.isAsExpression(init) || !ts.isTypeReferenceNode(init.type) || init.type.typeName.getText() !== 'const') {
    return undefined;
  }
  const object = unwrap(init.expression);
  return ts.isObjectLiteralExpression(object) ? object : undefined;
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

/** Extracts the error families and exit-code tables of `files` (absolute paths) from `program`. */
export function extractErrorCodes(
  program: ts.Program,
  files: readonly string[],
  projectOf: (file: string) => string,
): { families: ErrorFamily[]; exitCodes: ExitCodeTable[] } {
  const checker = program.getTypeChecker();
  const sources = files.map((file) => {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    return source;
  });

  const classes = new Map<ts.Symbol, ts.ClassDeclaration>();
  const newsAndSupers: Array<ts.NewExpression | ts.CallExpression> = [];
  const calls: ts.CallExpression[] = [];
  const comparisons: Array<{ access: ts.PropertyAccessExpression; other: ts.Expression }> = [];
  const assignments: ts.BinaryExpression[] = [];
  const objectProperties = new Map<string, Array<ts.PropertyAssignment | ts.ShorthandPropertyAssignment>>();
  const exitCodes: ExitCodeTable[] = [];

  for (const source of sources) {
    walk(source, (node) => {
      if (ts.isClassDeclaration(node) && node.name) {
        const symbol = checker.getSymbolAtLocation(node.name);
        if (symbol) classes.set(symbol, node);
      } else if (ts.isNewExpression(node)) {
        newsAndSupers.push(node);
      } else if (ts.isCallExpression(node)) {
        if (node.expression.kind === ts.SyntaxKind.SuperKeyword) newsAndSupers.push(node);
        else calls.push(node);
      } else if (ts.isBinaryExpression(node)) {
        const op = node.operatorToken.kind;
        if (op === ts.SyntaxKind.EqualsToken) assignments.push(node);
        if (
          op === ts.SyntaxKind.EqualsEqualsEqualsToken ||
          op === ts.SyntaxKind.ExclamationEqualsEqualsToken ||
          op === ts.SyntaxKind.EqualsEqualsToken ||
          op === ts.SyntaxKind.ExclamationEqualsToken
        ) {
          const left = unwrap(node.left);
          const right = unwrap(node.right);
          if (ts.isPropertyAccessExpression(left)) comparisons.push({ access: left, other: right });
          if (ts.isPropertyAccessExpression(right)) comparisons.push({ access: right, other: left });
        }
      } else if (ts.isCaseClause(node) && ts.isSwitchStatement(node.parent.parent)) {
        const subject = unwrap(node.parent.parent.expression);
        if (ts.isPropertyAccessExpression(subject)) comparisons.push({ access: subject, other: node.expression });
      } else if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
        if (ts.isObjectLiteralExpression(node.parent) && !ts.isComputedPropertyName(node.name)) {
          const name = node.name.getText();
          const list = objectProperties.get(name) ?? [];
          list.push(node);
          objectProperties.set(name, list);
        }
      } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'ExitCode') {
        const object = constObjectOf(node);
        if (object) {
          const codes: Record<string, number> = {};
          for (const property of object.properties) {
            if (ts.isPropertyAssignment(property) && ts.isNumericLiteral(property.initializer)) {
              codes[property.name.getText()] = Number(property.initializer.text);
            }
          }
          const file = node.getSourceFile().fileName;
          exitCodes.push({ project: projectOf(file), file, codes });
        }
      }
    });
  }

  // Families: roots extend Error directly and carry a code member; members reach a root through their bases.
  const isLibraryError = (type: ts.Type) => {
    const symbol = type.getSymbol();
    return (
      symbol?.getName() === 'Error' &&
      (symbol.getDeclarations() ?? []).some((d) => program.isSourceFileDefaultLibrary(d.getSourceFile()))
    );
  };
  const rootOf = new Map<ts.Symbol, ts.Symbol | null>();
  const findRoot = (symbol: ts.Symbol): ts.Symbol | null => {
    const known = rootOf.get(symbol);
    if (known !== undefined) return known;
    rootOf.set(symbol, null);
    const declaration = classes.get(symbol);
    let root: ts.Symbol | null = null;
    if (declaration) {
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      for (const base of (type.isClassOrInterface() && checker.getBaseTypes(type)) || []) {
        if (isLibraryError(base)) {
          if (CODE_MEMBERS.some((m) => type.getProperty(m))) root = symbol;
        } else if (base.getSymbol()) {
          root = findRoot(base.getSymbol() as ts.Symbol);
        }
        if (root) break;
      }
    }
    rootOf.set(symbol, root);
    return root;
  };

  interface Building {
    family: ErrorFamily;
    member: ts.Symbol;
    codes: Set<string>;
  }
  const building = new Map<ts.Symbol, Building>();
  for (const [symbol, declaration] of classes) {
    const root = findRoot(symbol);
    if (!root) continue;
    let entry = building.get(root);
    if (!entry) {
      const rootDeclaration = classes.get(root) as ts.ClassDeclaration;
      const type = checker.getDeclaredTypeOfSymbol(root);
      const memberName = CODE_MEMBERS.find((m) => type.getProperty(m)) as string;
      const member = type.getProperty(memberName) as ts.Symbol;
      const literals = stringLiteralsOfType(checker.getTypeOfSymbolAtLocation(member, rootDeclaration));
      const file = rootDeclaration.getSourceFile().fileName;
      entry = {
        family: {
          project: projectOf(file),
          root: root.getName(),
          file,
          member: memberName,
          closed: literals !== undefined,
          classes: [root.getName()],
          codes: [],
        },
        member,
        codes: new Set(literals ?? []),
      };
      building.set(root, entry);
    }
    if (symbol !== root) entry.family.classes.push(declaration.name?.text ?? '?');
  }

  const familyOfType = (type: ts.Type | undefined): Building | undefined => {
    const symbol = type?.getNonNullableType().getSymbol();
    const root = symbol ? findRoot(symbol) : null;
    return root ? building.get(root) : undefined;
  };

  // Literal flow: the string literals an expression can evaluate to, as far as the sources say.
  const callsTo = new Map<ts.Node, ts.CallExpression[]>();
  for (const call of calls) {
    const declaration = checker.getResolvedSignature(call)?.declaration;
    if (!declaration) continue;
    const list = callsTo.get(declaration) ?? [];
    list.push(call);
    callsTo.set(declaration, list);
  }

  const literalsOf = (expression: ts.Expression, seen: Set<ts.Node>, out: Set<string>): void => {
    const expr = unwrap(expression);
    if (seen.has(expr)) return;
    seen.add(expr);
    const fromType = stringLiteralsOfType(checker.getTypeAtLocation(expr));
    if (fromType) fromType.forEach((v) => out.add(v));

    if (ts.isConditionalExpression(expr)) {
      literalsOf(expr.whenTrue, seen, out);
      literalsOf(expr.whenFalse, seen, out);
    } else if (ts.isBinaryExpression(expr)) {
      const op = expr.operatorToken.kind;
      if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
        literalsOf(expr.left, seen, out);
        literalsOf(expr.right, seen, out);
      } else if (op === ts.SyntaxKind.AmpersandAmpersandToken) {
        literalsOf(expr.right, seen, out);
      }
    } else if (ts.isIdentifier(expr)) {
      const symbol = checker.getSymbolAtLocation(expr);
      const declaration = symbol?.valueDeclaration;
      if (!symbol || !declaration) return;
      if (ts.isVariableDeclaration(declaration)) {
        if (declaration.initializer) literalsOf(declaration.initializer, seen, out);
        for (const assignment of assignments) {
          const target = unwrap(assignment.left);
          if (ts.isIdentifier(target) && checker.getSymbolAtLocation(target) === symbol) {
            literalsOf(assignment.right, seen, out);
          }
        }
      } else if (ts.isParameter(declaration)) {
        if (declaration.initializer) literalsOf(declaration.initializer, seen, out);
        const index = declaration.parent.parameters.indexOf(declaration);
        for (const call of callsTo.get(declaration.parent) ?? []) {
          const argument = call.arguments[index];
          if (argument) literalsOf(argument, seen, out);
        }
      }
    } else if (ts.isPropertyAccessExpression(expr)) {
      const owner = checker.getSymbolAtLocation(expr.expression);
      const constObject = constObjectOf(owner?.valueDeclaration);
      if (constObject) {
        // One member of a code object is used as a code: the object declares the others as codes too.
        for (const property of constObject.properties) {
          if (ts.isPropertyAssignment(property) && ts.isStringLiteralLike(property.initializer)) {
            out.add(property.initializer.text);
          }
        }
        return;
      }
      const property = checker.getSymbolAtLocation(expr.name);
      const declaration = property?.valueDeclaration;
      if (!property || !declaration) return;
      if (ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration)) {
        // An interface or class property: whatever object literals of that type put into it.
        for (const assignment of objectProperties.get(expr.name.text) ?? []) {
          const contextual = checker.getContextualType(assignment.parent);
          const target = contextual?.getNonNullableType().getProperty(expr.name.text);
          if (target !== property) continue;
          literalsOf(ts.isPropertyAssignment(assignment) ? assignment.initializer : assignment.name, seen, out);
        }
      }
    }
  };

  // Open families: every literal that can reach the code parameter of a constructor of the family.
  for (const node of newsAndSupers) {
    const signature = checker.getResolvedSignature(node);
    if (!signature) continue;
    const entry = familyOfType(signature.getReturnType());
    if (!entry || entry.family.closed) continue;
    const index = signature.getParameters().findIndex((p) => p.getName() === entry.family.member);
    if (index < 0) continue;
    const argument = node.arguments?.[index];
    if (argument) literalsOf(argument, new Set(), entry.codes);
    const parameter = signature.getParameters()[index].valueDeclaration;
    if (parameter && ts.isParameter(parameter) && parameter.initializer) {
      literalsOf(parameter.initializer, new Set(), entry.codes);
    }
  }
  // Codes the sources compare a family error's code against: those are codes the system branches on.
  for (const { access, other } of comparisons) {
    const entry = familyOfType(checker.getTypeAtLocation(access.expression));
    if (!entry || access.name.text !== entry.family.member) continue;
    literalsOf(other, new Set(), entry.codes);
  }

  const families = [...building.values()].map(({ family, codes }) => ({ ...family, codes: [...codes].sort() }));
  return { families, exitCodes };
}

/** The `## ` section of `markdown` whose heading names `project` in backticks, or undefined. */
export function sectionOf(markdown: string, project: string): string | undefined {
  const sections = markdown.split(/^(?=## )/m);
  return sections.find((section) => section.split('\n', 1)[0].includes(`\`${project}\``));
}

/** Every declared code or exit code that the page does not document, as readable lines. */
export function undocumented(
  markdown: string,
  families: readonly ErrorFamily[],
  exitCodes: readonly ExitCodeTable[],
): string[] {
  const problems: string[] = [];
  for (const family of families) {
    const section = sectionOf(markdown, family.project);
    if (section === undefined) {
      problems.push(`${family.project} (${family.root}): no "## … \`${family.project}\`" section`);
      continue;
    }
    for (const code of family.codes) {
      if (!section.includes(`\`${code}\``)) problems.push(`${family.project} ${family.root}: \`${code}\``);
    }
  }
  for (const table of exitCodes) {
    const section = sectionOf(markdown, table.project);
    if (section === undefined) {
      problems.push(`${table.project} (exit codes): no "## … \`${table.project}\`" section`);
      continue;
    }
    for (const [name, value] of Object.entries(table.codes)) {
      const row = new RegExp(`^\\|\\s*\`?${value}\`?\\s*\\|`, 'm');
      if (!row.test(section)) problems.push(`${table.project} exit code ${value} (ExitCode.${name})`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  customConditions: ['@fraudops/source'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  types: [],
};

const defaultLibraries = new Map<string, ts.SourceFile>();

/**
 * A compiler host that serves `virtualFiles` from memory, caches the default library, and replaces third-party
 * declarations with empty modules: error codes live in our sources, and parsing the type declarations of
 * express, zod, DuckDB … would only cost time (their types become `any`, which no code flow here needs).
 */
function compilerHost(options: ts.CompilerOptions, virtualFiles: Record<string, string> = {}): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const realGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) => {
    if (name in virtualFiles) return ts.createSourceFile(name, virtualFiles[name], languageVersion, true);
    if (name.includes('/node_modules/typescript/lib/')) {
      const cached = defaultLibraries.get(name) ?? realGetSourceFile(name, languageVersion, ...rest);
      if (cached) defaultLibraries.set(name, cached);
      return cached;
    }
    if (name.includes('/node_modules/')) return ts.createSourceFile(name, 'export {};', languageVersion, true);
    return realGetSourceFile(name, languageVersion, ...rest);
  };
  const virtualDirectories = new Set(
    Object.keys(virtualFiles).flatMap((file) =>
      file
        .split('/')
        .slice(1, -1)
        .map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`),
    ),
  );
  const realFileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name in virtualFiles || realFileExists(name);
  const realDirectoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (name) => virtualDirectories.has(name) || (realDirectoryExists?.(name) ?? true);
  const realReadFile = host.readFile.bind(host);
  host.readFile = (name) => virtualFiles[name] ?? realReadFile(name);
  return host;
}

function sourceFilesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') sourceFilesUnder(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

function workspaceSources(): string[] {
  const files: string[] = [];
  for (const kind of ['libs', 'apps', 'tools']) {
    for (const project of readdirSync(join(workspaceRoot, kind))) {
      const src = join(workspaceRoot, kind, project, 'src');
      if (existsSync(src)) sourceFilesUnder(src, files);
    }
  }
  return files.sort();
}

const projectOfFile = (file: string) => relative(workspaceRoot, file).split('/').slice(0, 2).join('/');

/** A program over in-memory files (`/libs/a/errors.ts`, …), with the real default library. */
function snippetProgram(files: Record<string, string>): ts.Program {
  const options = {
    ...COMPILER_OPTIONS,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  return ts.createProgram(Object.keys(files), options, compilerHost(options, files));
}

function extractSnippet(files: Record<string, string>) {
  const program = snippetProgram(files);
  return extractErrorCodes(program, Object.keys(files), (file) => file.split('/').slice(1, 3).join('/'));
}

describe('error code extraction (on snippets)', () => {
  it('takes a closed union, a const object and keyof typeof as the whole set of codes', () => {
    const { families } = extractSnippet({
      '/libs/a/errors.ts': `
        export type ACode = 'A_ONE' | 'A_TWO';
        export class AError extends Error { constructor(readonly code: ACode, message: string) { super(message); } }
        export const BCode = { one: 'B_ONE', two: 'B_TWO' } as const;
        export type BCode = (typeof BCode)[keyof typeof BCode];
        export class BError extends Error { readonly code: BCode; constructor(code: BCode) { super('b'); this.code = code; } }
        const STATUS = { C_FOUR_HUNDRED: 400, C_FIVE_HUNDRED: 500 } as const;
        export class CError extends Error { constructor(readonly code: keyof typeof STATUS) { super('c'); } }
        export class NotAnError { constructor(readonly code: 'NOT_ME') {} }
        export class CodelessError extends Error {}
        export const message = 'NOT_A_CODE_EITHER';
      `,
    });
    const byRoot = Object.fromEntries(families.map((f) => [f.root, f]));
    expect(Object.keys(byRoot).sort()).toEqual(['AError', 'BError', 'CError']);
    expect(byRoot['AError'].codes).toEqual(['A_ONE', 'A_TWO']);
    expect(byRoot['BError'].codes).toEqual(['B_ONE', 'B_TWO']);
    expect(byRoot['CError'].codes).toEqual(['C_FIVE_HUNDRED', 'C_FOUR_HUNDRED']);
    expect(byRoot['AError']).toMatchObject({ project: 'libs/a', closed: true, member: 'code' });
  });

  it('follows literals into an open string code through subclasses, variables, parameters and interfaces', () => {
    const { families } = extractSnippet({
      '/libs/d/errors.ts': `
        export const ClientCode = { network: 'NETWORK_ERROR', unused: 'DECLARED_ONLY' } as const;
        export class DError extends Error { constructor(readonly code: string, message: string) { super(message); } }
        export class DNotFound extends DError {}
        export class DFixed extends DError { constructor() { super('FROM_SUPER', 'fixed'); } }
        interface StatusClass { cls: new (code: string, message: string) => DError; code: string }
        const STATUS: Record<number, StatusClass> = { 404: { cls: DNotFound, code: 'NOT_FOUND_FALLBACK' } };
        export function parse(status: number, bodyCode: string | undefined): DError {
          const entry = STATUS[status];
          let code = bodyCode ?? entry?.code ?? 'UNKNOWN_FALLBACK';
          if (status === 400) code = 'REASSIGNED';
          const cls = entry?.cls ?? DError;
          return new cls(code, 'parsed');
        }
        const fail = (code: string) => new DError(code, 'through a parameter');
        export const a = () => fail('VIA_PARAMETER');
        export const b = (flag: boolean) => new DNotFound(flag ? ClientCode.network : 'CONDITIONAL', 'x');
        export const ignored = (e: DError) => e.message === 'NOT_A_CODE' ? 'ALSO_NOT' : 'NOR_THIS';
      `,
      '/apps/e/use.ts': `
        import { DError } from '../../libs/d/errors.js';
        export function advice(error: unknown): string {
          if (error instanceof DError && error.code === 'COMPARED') return 'one';
          if (error instanceof DError) switch (error.code) { case 'SWITCHED': return 'two'; }
          const other = { code: 'UNRELATED_OBJECT' };
          return other.code === 'UNRELATED_COMPARISON' ? 'three' : 'four';
        }
      `,
    });
    expect(families).toHaveLength(1);
    const [family] = families;
    expect(family).toMatchObject({ root: 'DError', project: 'libs/d', closed: false });
    expect(family.classes.sort()).toEqual(['DError', 'DFixed', 'DNotFound']);
    expect(family.codes).toEqual(
      [
        'COMPARED',
        'CONDITIONAL',
        'DECLARED_ONLY',
        'FROM_SUPER',
        'NETWORK_ERROR',
        'NOT_FOUND_FALLBACK',
        'REASSIGNED',
        'SWITCHED',
        'UNKNOWN_FALLBACK',
        'VIA_PARAMETER',
      ].sort(),
    );
  });

  it('takes a default code, an errorCode member, and ExitCode tables', () => {
    const { families, exitCodes } = extractSnippet({
      '/apps/f/cli.ts': `
        export const ExitCode = { ok: 0, usage: 2 } as const;
        export class CliError extends Error {
          constructor(message: string, readonly exitCode: number = 1, readonly code = 'CLI_ERROR') { super(message); }
        }
        export const usage = () => new CliError('bad flag', ExitCode.usage, 'USAGE');
        export class ApiError extends Error {
          constructor(readonly status: number, readonly errorCode: string, message: string) { super(message); }
        }
        export const notFound = (m: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', m);
      `,
    });
    const byRoot = Object.fromEntries(families.map((f) => [f.root, f]));
    expect(byRoot['CliError'].codes).toEqual(['CLI_ERROR', 'USAGE']);
    expect(byRoot['ApiError']).toMatchObject({ member: 'errorCode', codes: ['RESOURCE_DOES_NOT_EXIST'] });
    expect(exitCodes).toEqual([{ project: 'apps/f', file: '/apps/f/cli.ts', codes: { ok: 0, usage: 2 } }]);
  });

  it('reports a code or exit code missing from its project section, and a missing section', () => {
    const families: ErrorFamily[] = [
      {
        project: 'libs/a',
        root: 'AError',
        file: 'a.ts',
        member: 'code',
        closed: true,
        classes: ['AError'],
        codes: ['A_ONE', 'A_TWO'],
      },
      {
        project: 'libs/z',
        root: 'ZError',
        file: 'z.ts',
        member: 'code',
        closed: true,
        classes: ['ZError'],
        codes: ['Z'],
      },
    ];
    const exits: ExitCodeTable[] = [{ project: 'apps/f', file: 'f.ts', codes: { ok: 0, usage: 2 } }];
    const page = [
      '# Errors',
      '## a — `libs/a`',
      '| code | meaning |',
      '| `A_ONE` | one |',
      '## f — `apps/f`',
      '| exit | meaning |',
      '| 0 | ok |',
      'A_TWO and `2` are mentioned here, but not in their own section or table.',
    ].join('\n');
    expect(undocumented(page, families, exits)).toEqual([
      'libs/a AError: `A_TWO`',
      'libs/z (ZError): no "## … `libs/z`" section',
      'apps/f exit code 2 (ExitCode.usage)',
    ]);
    expect(undocumented(`${page}\n| 2 | usage |\n## z \`libs/z\`\n\`Z\`\n\`A_TWO\``, families, exits)).toEqual([
      'libs/a AError: `A_TWO`',
    ]);
  });
});

describe('docs/errors.md', () => {
  const files = workspaceSources();
  const program = ts.createProgram(files, COMPILER_OPTIONS, compilerHost(COMPILER_OPTIONS));
  const { families, exitCodes } = extractErrorCodes(program, files, projectOfFile);
  const page = readWorkspaceFile('docs/errors.md');

  it('the extraction finds the root error class of every lib and app', () => {
    const roots = families.map((f) => `${f.project}:${f.root}`);
    expect(roots).toEqual(
      expect.arrayContaining([
        'libs/transactions:TransactionsError',
        'libs/features:FeaturesError',
        'libs/modeling:ModelingError',
        'libs/evaluation:EvaluationError',
        'libs/registry:RegistryError',
        'libs/databricks:DatabricksError',
        'apps/scoring-api:ScoringError',
        'libs/cli:CliError',
      ]),
    );
    for (const family of families)
      expect({ root: family.root, some: family.codes.length > 0 }).toEqual({ root: family.root, some: true });
    const databricks = families.find((f) => f.root === 'DatabricksError') as ErrorFamily;
    // Open family: client codes, SQL codes, status fallbacks and compared server codes all reach it.
    expect(databricks.codes).toEqual(
      expect.arrayContaining([
        'CONFIG_MISSING',
        'SQL_STATEMENT_FAILED',
        'BAD_REQUEST',
        'UNKNOWN',
        'RUN_FAILED',
        'GIT_UNKNOWN_REF',
      ]),
    );
    expect(databricks.classes).toEqual(expect.arrayContaining(['NotFound', 'DatabricksSqlError', 'WaitTimeoutError']));
    // One exit-code table for every command of every CLI.
    expect(exitCodes.map((t) => t.project)).toEqual(['libs/cli']);
  });

  it('documents every declared error code and exit code in its project section', () => {
    expect(undocumented(page, families, exitCodes)).toEqual([]);
  });
});

/** The rows of the first Markdown table in `section` whose header starts with `header`, as trimmed cells. */
export function tableRows(section: string, header: string): string[][] {
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  if (start < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

describe('the exit codes of docs/errors.md against libs/cli', () => {
  const section = sectionOf(readWorkspaceFile('docs/errors.md'), 'libs/cli') ?? '';

  it('lists exactly the ExitCode table, number and name, in order', () => {
    const documented = tableRows(section, '| exit | name |').map(([exit, name]) => `${exit} ${unquote(name)}`);
    expect(documented).toEqual(Object.entries(ExitCode).map(([name, exit]) => `${exit} ${name}`));
  });

  it('maps every library code to the exit code the CLI layer gives it, and nothing else', () => {
    const documented: string[] = [];
    for (const [root, codes, exit] of tableRows(section, '| root | code | exit |')) {
      for (const code of codes.split(',')) documented.push(`${unquote(root)} ${unquote(code.trim())} → ${exit}`);
    }
    const declared = Object.entries(LIBRARY_EXIT_CODES).flatMap(([root, codes]) =>
      Object.entries(codes).map(([code, exit]) => `${root} ${code} → ${exit}`),
    );
    expect(documented.sort()).toEqual(declared.sort());
  });

  it('reads the tables it walks (a fixture)', () => {
    const page = ['## x — `libs/x`', '| exit | name |', '|---|---|', '| 0 | `ok` |', '| 2 | `usage` |', '', 'after'];
    expect(tableRows(page.join('\n'), '| exit | name |')).toEqual([
      ['0', '`ok`'],
      ['2', '`usage`'],
    ]);
  });
});
