// Who may take over a listening socket, decided from the versions' lifecycle and the running reload: a
// candidate of the reload may claim what a version it replaces holds (at commit), a live version may claim
// what a retiring one still holds (now), dead code gets nothing, and anything else is a conflict. A bind that
// fails becomes a fault of the version that tried (a reload it belongs to rolls back).
import { messageOf, say } from '../errors';
import type { ModuleVersion } from '../modules/module';
import { attribute, type Fault } from './faults';
import type { Address, Claim, ListenPolicy } from './listen-slots';

/** What the policy needs of the reload running now, if any. */
export interface ClaimingTransaction {
  readonly open: boolean;
  owns(version: ModuleVersion | undefined): boolean;
  replaces(version: ModuleVersion | undefined): boolean;
}

export function listenPolicy(transaction: () => ClaimingTransaction | undefined, fault: (fault: Fault) => void): ListenPolicy {
  return {
    claim(claimer, holder): Claim {
      // Code of a version that was dropped or retired, still running on (a bootstrap that awaited): it gets nothing.
      if (claimer && !claimer.alive) return 'ignore';
      if (holder && holder.status === 'retiring' && claimer?.status === 'live') return 'now';
      const running = transaction();
      if (running?.open && running.owns(claimer) && running.replaces(holder)) return 'at-commit';
      return 'conflict';
    },
    bindFailed(version: ModuleVersion | undefined, error: Error, address: Address, holder: string): void {
      const message = say.cannotListen(version ? `${version.id} v${version.number}` : 'the app', address.description, holder, messageOf(error));
      fault({
        kind: 'listen',
        error: Object.assign(new Error(message), { stack: `${message}\n${error.stack?.split('\n').slice(1).join('\n') ?? ''}` }),
        version,
      });
    },
    requestFaulted(error): void {
      fault({ kind: 'uncaught-exception', error, version: attribute(error) });
    },
  };
}
