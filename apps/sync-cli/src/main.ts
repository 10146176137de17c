process.stdout.write('fraudops sync-cli: not built yet.\n');
