/**
 * The one key map of `durox tui`: every action with the keys that trigger it, where it applies,
 * and the words the footer and the help screen show for it. Components ask
 * `resolveKey(context, input, key)` which action a key press means; nothing else compares keys.
 */
import type { Key } from 'ink';

/**
 * Where the keyboard focus is: a screen (`schedules` is the schedule list, `schedule` its
 * detail pane), the help, the search field or a dialog (`note` is the pause dialog's note).
 */
export type KeyContext =
  | 'overview'
  | 'instances'
  | 'detail'
  | 'toygres'
  | 'schedules'
  | 'schedule'
  | 'help'
  | 'search'
  | 'confirm'
  | 'prompt'
  | 'note';

export type KeyAction =
  | 'quit'
  | 'help'
  | 'overview'
  | 'instances'
  | 'toygres'
  | 'schedules'
  | 'refresh'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'open'
  | 'back'
  | 'filterStatus'
  | 'search'
  | 'clearFilters'
  | 'sort'
  | 'reverseSort'
  | 'cancelInstance'
  | 'raiseEvent'
  | 'deleteInstance'
  | 'pruneExecutions'
  | 'pauseSchedule'
  | 'resumeSchedule'
  | 'triggerSchedule'
  | 'nextPanel'
  | 'prevPanel'
  | 'prevExecution'
  | 'nextExecution'
  | 'parent'
  | 'confirm'
  | 'dismiss'
  | 'submit'
  | 'nextField'
  | 'deleteChar';

export interface Binding {
  readonly action: KeyAction;
  /** Contexts where it applies. */
  readonly contexts: readonly KeyContext[];
  /** The keys as the footer and help show them. */
  readonly keys: string;
  readonly description: string;
  /** The footer's (shorter) words for it, or false when only the help screen shows it. */
  readonly footer: string | false;
  readonly matches: (input: string, key: Key) => boolean;
}

/** Contexts where the screens are browsed (not typing, no dialog). */
const BROWSE: readonly KeyContext[] = ['overview', 'instances', 'detail', 'toygres', 'schedules', 'schedule'];
const LISTS: readonly KeyContext[] = ['instances', 'detail', 'toygres', 'schedules', 'schedule'];
const ACTIONS: readonly KeyContext[] = ['instances', 'detail'];
const SCHEDULE_ACTIONS: readonly KeyContext[] = ['schedules', 'schedule'];
/** Dialogs with text fields. */
const TYPING: readonly KeyContext[] = ['prompt', 'note', 'search'];
const ALL: readonly KeyContext[] = [...BROWSE, 'help', 'confirm', ...TYPING];

const plain = (input: string, key: Key): boolean => !key.ctrl && !key.meta && input.length > 0;
const char =
  (...chars: string[]) =>
  (input: string, key: Key): boolean =>
    plain(input, key) && chars.includes(input);
const isBackspace = (_input: string, key: Key): boolean => key.backspace || key.delete;

function bind(
  action: KeyAction,
  contexts: readonly KeyContext[],
  keys: string,
  description: string,
  matches: Binding['matches'],
  footer: string | boolean = true,
): Binding {
  return { action, contexts, keys, description, matches, footer: footer === true ? description : footer };
}

/** Every binding, in the order the help screen lists them. Earlier bindings win. */
export const BINDINGS: readonly Binding[] = [
  bind('quit', ALL, 'Ctrl+C', 'quit', (input, key) => key.ctrl && input === 'c', false),
  bind('quit', [...BROWSE, 'help', 'confirm'], 'q', 'quit', char('q')),
  // dialogs
  bind('confirm', ['confirm'], 'y/⏎', 'confirm', (input, key) => key.return || char('y', 'Y')(input, key)),
  bind('dismiss', ['confirm'], 'n/Esc', 'cancel', (input, key) => key.escape || char('n', 'N')(input, key)),
  bind('nextField', ['prompt'], 'Tab', 'next field', (_input, key) => key.tab),
  bind('submit', TYPING, '⏎', 'done', (_input, key) => key.return),
  bind('dismiss', TYPING, 'Esc', 'cancel', (_input, key) => key.escape),
  bind('deleteChar', TYPING, '⌫', 'delete char', isBackspace, false),
  // help
  bind('help', [...BROWSE, 'help'], '?', 'help', char('?')),
  bind('back', ['help'], 'Esc', 'close help', (_input, key) => key.escape || key.return, false),
  // screens
  bind('overview', BROWSE, '1', 'overview', char('1'), false),
  bind('instances', BROWSE, '2', 'instances', char('2'), false),
  bind('toygres', BROWSE, '3', 'toygres', char('3'), false),
  bind('schedules', BROWSE, '4', 'schedules', char('4'), false),
  bind('refresh', BROWSE, 'r', 'reload', char('r'), false),
  // lists
  bind('up', LISTS, '↑/k', 'up', (input, key) => key.upArrow || char('k')(input, key), false),
  bind('down', LISTS, '↓/j', 'down', (input, key) => key.downArrow || char('j')(input, key), false),
  bind(
    'pageUp',
    ['instances'],
    '←/PgUp',
    'previous page',
    (_input, key) => key.leftArrow || key.pageUp,
    false,
  ),
  bind(
    'pageDown',
    ['instances'],
    '→/PgDn',
    'next page',
    (_input, key) => key.rightArrow || key.pageDown,
    false,
  ),
  bind('pageUp', ['detail'], 'PgUp', 'scroll up', (_input, key) => key.pageUp, false),
  bind('pageDown', ['detail'], 'PgDn', 'scroll down', (_input, key) => key.pageDown, false),
  bind('home', LISTS, 'g/Home', 'first', (input, key) => key.home || char('g')(input, key), false),
  bind('end', LISTS, 'G/End', 'last', (input, key) => key.end || char('G')(input, key), false),
  bind(
    'open',
    ['overview', 'instances', 'toygres', 'schedules', 'schedule'],
    '⏎',
    'open',
    (_input, key) => key.return,
  ),
  // instance table
  bind('filterStatus', ['instances'], 'f', 'status filter', char('f'), 'filter'),
  bind('search', ['instances'], '/', 'search id', char('/'), 'search'),
  bind('sort', ['instances'], 's', 'sort', char('s')),
  bind('reverseSort', ['instances'], 'S', 'reverse sort', char('S'), false),
  bind('clearFilters', ['instances'], 'Esc', 'clear filters', (_input, key) => key.escape, false),
  // detail
  bind('nextPanel', ['detail'], 'Tab', 'next panel', (_input, key) => key.tab && !key.shift),
  bind('prevPanel', ['detail'], 'Shift+Tab', 'prev panel', (_input, key) => key.tab && key.shift, false),
  bind('open', ['detail'], '⏎', 'open child/exec', (_input, key) => key.return, false),
  bind(
    'prevExecution',
    ['detail'],
    '[/←',
    'prev execution',
    (input, key) => key.leftArrow || char('[')(input, key),
    false,
  ),
  bind(
    'nextExecution',
    ['detail'],
    ']/→',
    'next execution',
    (input, key) => key.rightArrow || char(']')(input, key),
    false,
  ),
  bind('parent', ['detail'], 'u', 'parent instance', char('u'), false),
  bind(
    'back',
    ['detail', 'schedule'],
    'Esc/⌫',
    'back',
    (input, key) => key.escape || isBackspace(input, key),
  ),
  // actions
  bind('cancelInstance', ACTIONS, 'c', 'cancel', char('c')),
  bind('raiseEvent', ACTIONS, 'e', 'raise event', char('e'), 'raise'),
  bind('deleteInstance', ACTIONS, 'd', 'delete', char('d')),
  bind('pruneExecutions', ACTIONS, 'p', 'prune executions', char('p'), 'prune'),
  // schedules
  bind('pauseSchedule', SCHEDULE_ACTIONS, 'p', 'pause schedule', char('p'), 'pause'),
  bind('resumeSchedule', SCHEDULE_ACTIONS, 'u', 'resume schedule', char('u'), 'resume'),
  bind('triggerSchedule', SCHEDULE_ACTIONS, 't', 'trigger a run', char('t'), 'trigger'),
];

/** The action a key press means in `context`, if any. */
export function resolveKey(context: KeyContext, input: string, key: Key): KeyAction | undefined {
  for (const binding of BINDINGS) {
    if (binding.contexts.includes(context) && binding.matches(input, key)) return binding.action;
  }
  return undefined;
}

/** Printable text typed in a text field (`undefined` for control keys). */
export function typedText(input: string, key: Key): string | undefined {
  if (key.ctrl || key.meta || key.escape || key.return || key.tab || key.backspace || key.delete)
    return undefined;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown)
    return undefined;
  // Pasted text may carry line breaks; fields are single-line.
  const text = input.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
  return text === '' ? undefined : text;
}

/** One hint of the footer. */
export interface Hint {
  readonly keys: string;
  readonly description: string;
}

/** The footer hints of a context (the help screen lists the rest). */
export function footerHints(context: KeyContext): Hint[] {
  const seen = new Set<string>();
  const hints: Hint[] = [];
  for (const b of BINDINGS) {
    if (b.footer === false || !b.contexts.includes(context)) continue;
    const id = `${b.keys} ${b.footer}`;
    if (seen.has(id)) continue;
    seen.add(id);
    hints.push({ keys: b.keys, description: b.footer });
  }
  return hints;
}

/** A titled group of the help screen. */
export interface HelpSection {
  readonly title: string;
  readonly hints: readonly Hint[];
}

/** The bindings of `contexts` that are not already listed under `listed`. */
function section(title: string, contexts: readonly KeyContext[], listed: readonly KeyContext[]): HelpSection {
  const hints: Hint[] = [];
  const seen = new Set<string>();
  for (const b of BINDINGS) {
    if (!contexts.some((c) => b.contexts.includes(c)) || listed.some((c) => b.contexts.includes(c))) continue;
    const id = `${b.keys} ${b.description}`;
    if (seen.has(id)) continue;
    seen.add(id);
    hints.push({ keys: b.keys, description: b.description });
  }
  return { title, hints };
}

/** The help screen: columns of sections, generated from the bindings. */
export function helpColumns(): HelpSection[][] {
  return [
    [
      section('Everywhere', ['overview', 'help'], []),
      section('Schedules', ['schedules', 'schedule'], ['overview', 'instances', 'detail']),
    ],
    [section('Instances', ['instances'], ['overview'])],
    [
      section('Instance detail', ['detail'], ['overview', 'instances']),
      section('Dialogs', ['confirm', 'prompt', 'note'], ['overview']),
    ],
  ];
}
