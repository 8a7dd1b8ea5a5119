import { format } from './format.js';

export function onMessage(text: string): string {
  return format({ echo: text, from: 'message-handler-1' });
}
