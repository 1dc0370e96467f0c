#!/usr/bin/env node
// The JavaScript parser generated from spec/wea.ksy as a conformance
// participant (conformance/README.md).
//
// usage: node tools/kaitai_participant.js [--parser-dir DIR] FILE
//
// Reads one WA-1 block from FILE with the parser that the pinned Kaitai
// Struct compiler generates for JavaScript (build/kaitai-js/WeaBlock.js,
// `node tools/ksc.js spec/wea.ksy build/kaitai-js javascript`), on the
// pinned runtime (tools/package.json: kaitai-struct), and follows the runner
// contract: one JSON line on stdout, exit 0 for a valid block, the
// category's number (spec §6.2) for an invalid one, 64 or more for a usage
// or I/O error.
//
// As in tools/kaitai_participant.py, the parser decides and this wrapper only
// names its failures: a validation error by its srcPath (which the 0.11.0
// runtime does not keep: srcPathOf reads it from the generated line that
// threw), an end of stream
// while the header or the dims are read as `truncated`, while the data is
// read as `data_truncated`. The runtime computes in doubles, so the dims and
// the offset it reports are exact only up to 2^53; the wrapper reports
// each dim exactly from its two 32-bit words (`lo`, `hi`), with BigInt.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const EXIT_USAGE = 64; // EX_USAGE
const EXIT_NOINPUT = 66; // EX_NOINPUT: the file cannot be read
const EXIT_SOFTWARE = 70; // EX_SOFTWARE: a failure this wrapper cannot name

// Error categories and their numbers (spec §6.2), from the registry.
const CATEGORY_NUMBER = Object.fromEntries(
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'spec', 'registry.json'), 'utf8'))
    .categories.map((c) => [c.name, c.number])
);

// The validations of spec/wea.ksy, by the srcPath the generated parser
// reports (the same as tools/kaitai_participant.py's SRC_PATH_CATEGORY).
const SRC_PATH_CATEGORY = {
  '/types/fixed_header/seq/0': 'bad_magic', // magic (contents), R2
  '/types/fixed_header/seq/1': 'unsupported_type', // etype (in-enum), R3
  '/types/fixed_header/seq/2': 'invalid_ndims', // num_dims (max 64), R4
  '/types/fixed_header/seq/4': 'invalid_offset', // ofs_data_hi (expr on both words), R5
  '/types/dim/seq/1': 'invalid_dimension', // a dim's high word (min 0), R7
  '/seq/2': 'data_truncated', // within_block (expr), R9
};

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_PARSER_DIR = path.join(ROOT, 'build', 'kaitai-js');

class UnmappedError extends Error {}

// Load the generated UMD module with the runtime from tools/node_modules:
// its own `require` would look next to build/kaitai-js, where there is no
// node_modules. Without `exports` and `define` the module takes the runtime
// from `root.KaitaiStream` and puts itself on `root.WeaBlock`.
function loadParser(parserDir) {
  const KaitaiStream = require('kaitai-struct/KaitaiStream');
  const file = path.resolve(parserDir, 'WeaBlock.js');
  const source = parserSource(file);
  // One line of wrapper before the source: lineOffset keeps the stack's
  // line numbers those of the file (srcPathOf reads them).
  const wrapped = vm.runInThisContext(
    `(function (self, define, exports, require) {\n${source}\n})`,
    { filename: file, lineOffset: -1 }
  );
  const root = { KaitaiStream };
  wrapped(root, undefined, undefined, undefined);
  return { KaitaiStream, WeaBlock: root.WeaBlock.WeaBlock, file };
}

function exactDim(dim) {
  return (BigInt(dim.hi) << 32n) + BigInt(dim.lo);
}

// Parse one block; return the contract's JSON object (with `detail`, the
// parser's own words, on an invalid block).
function examine(block, KaitaiStream, WeaBlock, parserFile) {
  let phase = 'header';
  try {
    const parsed = new WeaBlock(new KaitaiStream(block));
    const dims = parsed.dims.map(exactDim);
    const fields = {
      etype: Number(parsed.etype),
      ndims: Number(parsed.numDims),
      dims,
      offset: Number(parsed.ofsData),
    };
    phase = 'data';
    const data = parsed.data;
    return {
      valid: true,
      ...fields,
      len_data: data.length,
      sha256: crypto.createHash('sha256').update(data).digest('hex'),
    };
  } catch (e) {
    if (e instanceof KaitaiStream.EOFError) {
      const category = phase === 'header' ? 'truncated' : 'data_truncated';
      return { valid: false, error: category, detail: `reading the ${phase}: ${e.message}` };
    }
    if (e && typeof e.name === 'string' && e.name.startsWith('Validation')) {
      const srcPath = srcPathOf(e, parserFile);
      const category = SRC_PATH_CATEGORY[srcPath];
      if (category === undefined) {
        throw new UnmappedError(`validation failed at unmapped srcPath ${srcPath}: ${e.message}`);
      }
      return { valid: false, error: category, detail: `${e.name} at ${srcPath}: ${e.message}` };
    }
    throw e;
  }
}

// The srcPath of a validation error. The 0.11.0 runtime drops the srcPath
// the generated code passes to the error's constructor, so it is read from
// the generated source: the line of the `throw` (the first stack frame in
// the parser's file) names it, as in `throw new
// KaitaiStream.ValidationExprError(..., "/types/fixed_header/seq/4");`.
function srcPathOf(error, parserFile) {
  const frames = String(error.stack || '').split('\n');
  const escaped = parserFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const where = new RegExp(`${escaped}:(\\d+):\\d+`);
  for (const frame of frames) {
    const found = where.exec(frame);
    if (found) {
      const line = parserSource(parserFile).split('\n')[Number(found[1]) - 1] || '';
      const path = /"(\/[a-z0-9_/]+)"\);\s*$/.exec(line);
      return path ? path[1] : `(no srcPath on line ${found[1]} of ${parserFile})`;
    }
  }
  return '(no stack frame in the parser)';
}

const sources = new Map();
function parserSource(file) {
  if (!sources.has(file)) {
    sources.set(file, fs.readFileSync(file, 'utf8'));
  }
  return sources.get(file);
}

// JSON with exact integers: the dims are BigInts.
function toJson(result) {
  return JSON.stringify(result, (_key, value) =>
    typeof value === 'bigint' ? `@@${value.toString()}@@` : value
  ).replace(/"@@(-?[0-9]+)@@"/g, '$1');
}

function main(argv) {
  let parserDir = process.env.WEA_KAITAI_JS_DIR || DEFAULT_PARSER_DIR;
  const args = [...argv];
  if (args[0] === '--parser-dir' && args.length >= 2) {
    parserDir = args[1];
    args.splice(0, 2);
  }
  if (args.length !== 1 || args[0].startsWith('-')) {
    process.stderr.write('usage: node tools/kaitai_participant.js [--parser-dir DIR] FILE\n');
    return EXIT_USAGE;
  }
  const file = args[0];
  let parser;
  try {
    parser = loadParser(parserDir);
  } catch (e) {
    process.stderr.write(`kaitai_participant.js: cannot load the parser: ${e.message}\n`);
    return EXIT_SOFTWARE;
  }
  let block;
  try {
    block = fs.readFileSync(file);
  } catch (e) {
    process.stderr.write(`kaitai_participant.js: ${file}: ${e.message}\n`);
    return EXIT_NOINPUT;
  }
  // A fresh ArrayBuffer holding exactly the file: the runtime maps views on it.
  const bytes = new Uint8Array(block.length);
  bytes.set(block);
  let result;
  try {
    result = examine(bytes.buffer, parser.KaitaiStream, parser.WeaBlock, parser.file);
  } catch (e) {
    process.stderr.write(`kaitai_participant.js: ${file}: ${e && e.stack ? e.stack : e}\n`);
    return EXIT_SOFTWARE; // a crash of the parser, or an unmapped failure, is no verdict
  }
  const { detail, ...answer } = result;
  if (detail) {
    process.stderr.write(`kaitai_participant.js: ${file}: ${detail}\n`);
  }
  process.stdout.write(`${toJson(answer)}\n`);
  return answer.valid ? 0 : CATEGORY_NUMBER[answer.error];
}

module.exports = { examine, loadParser, CATEGORY_NUMBER, SRC_PATH_CATEGORY };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
