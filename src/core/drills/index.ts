export * from './checklist';
export * from './evidence';
export * from './rehearsal';
export * from './scenarios';
export * from './drill';
export * from './recovery';
export * from './run';
