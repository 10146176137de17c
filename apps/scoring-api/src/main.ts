process.stdout.write('fraudops scoring-api: wiring in progress.\n');
