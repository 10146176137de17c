process.stdout.write('fraudops scoring-api: not built yet.\n');
