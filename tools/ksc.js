#!/usr/bin/env node
// Compile spec/wea.ksy into a parser with the pinned Kaitai Struct compiler
// (tools/package.json), and fail on any error or warning. LANGUAGE is a
// compiler target: python (the default, build/kaitai) or javascript
// (build/kaitai-js), for the conformance participants.
//
// usage: node tools/ksc.js KSY OUTDIR [LANGUAGE]
'use strict';

const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const compiler = require('kaitai-struct-compiler');

const PINNED = require('./package.json').devDependencies['kaitai-struct-compiler'];

function fail(msg) {
  process.stderr.write(`ksc: ${msg}\n`);
  process.exit(1);
}

async function main(argv) {
  if (argv.length < 2 || argv.length > 3) {
    process.stderr.write('usage: node tools/ksc.js KSY OUTDIR [LANGUAGE]\n');
    process.exit(64);
  }
  const [ksyPath, outDir, language = 'python'] = argv;
  if (compiler.version !== PINNED) {
    fail(`compiler is ${compiler.version}, tools/package.json pins ${PINNED}; run npm ci in tools/`);
  }
  let ksy;
  try {
    ksy = yaml.load(fs.readFileSync(ksyPath, 'utf8'), { schema: yaml.CORE_SCHEMA });
  } catch (e) {
    fail(`${ksyPath}: ${e.message}`);
  }
  // Collect anything the compiler prints as a warning: a warning fails too.
  const warnings = [];
  const origWarn = console.warn;
  const origLog = console.log;
  const origError = console.error;
  console.warn = (...a) => warnings.push(a.join(' '));
  console.error = (...a) => warnings.push(a.join(' '));
  console.log = (...a) => warnings.push(a.join(' '));
  let files;
  try {
    files = await compiler.compile(language, ksy, null, false);
  } catch (e) {
    const problems = Array.isArray(e) ? e : [e];
    fail(problems.map((p) => `${ksyPath}: ${p && p.toString ? p.toString() : String(p)}`).join('\n'));
  } finally {
    console.warn = origWarn;
    console.log = origLog;
    console.error = origError;
  }
  if (warnings.length > 0) {
    fail(`${ksyPath}: the compiler warned:\n${warnings.join('\n')}`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(outDir, name), text);
    process.stdout.write(`ksc ${compiler.version}: ${ksyPath} -> ${path.join(outDir, name)}\n`);
  }
}

main(process.argv.slice(2));
