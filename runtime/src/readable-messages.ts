// Messages V8 writes from the code it runs name the runtime's rewritten expressions (`(0 , __rl_i0.default) is
// not a function`): they are turned back into the names the module's author wrote (`express is not a
// function`), with a word on the fix where one is known (a namespace import called as a function).
import type { StaticImport } from './transform';

const generated = /\(0 , __rl_i(\d+)((?:\.[\w$]+|\["[^"]*"\])?)\)|__rl_i(\d+)((?:\.[\w$]+|\["[^"]*"\])?)/g;

/** `message` with every rewritten import read named as written; `imports` are the module's whose code threw. */
export function readableMessage(message: string, imports: readonly StaticImport[] | undefined): string {
  if (!imports || !message.includes('__rl_i')) return message;
  let namespaceCalled: { local: string; specifier: string } | undefined;
  const readable = message.replace(generated, (whole, calledIndex?: string, calledMember?: string, index?: string, member?: string) => {
    const entry = imports[Number(calledIndex ?? index)];
    if (!entry) return whole;
    const name = memberName(calledMember ?? member ?? '');
    const local = name === undefined ? entry.locals['*'] : entry.locals[name];
    if (name === undefined && local) namespaceCalled = { local, specifier: entry.specifier };
    return local ?? (name === undefined ? `the module '${entry.specifier}'` : `${name} of '${entry.specifier}'`);
  });
  if (namespaceCalled && /is not a (function|constructor)/.test(readable)) {
    const { local, specifier } = namespaceCalled;
    return `${readable}: \`${local}\` is a namespace import (import * as ${local} from '${specifier}'), an object; import its default export instead (import ${local} from '${specifier}'), or compile with esModuleInterop off, as CommonJS`;
  }
  return readable;
}

function memberName(member: string): string | undefined {
  if (member === '') return undefined;
  if (member.startsWith('.')) return member.slice(1);
  return JSON.parse(member.slice(1, -1)) as string;
}
