// Entry point of `bin/bodhi`.
import { buildCli } from './program.js';

await buildCli().parseAsync(process.argv);
