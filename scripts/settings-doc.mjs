// Rewrites the README's settings table from the config schema (run through `npm run docs:settings`).
import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../dist/config/settings-doc.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withSettingsTable(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'README settings table is up to date' : 'README settings table rewritten');
