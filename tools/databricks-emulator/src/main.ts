process.stdout.write('fraudops databricks emulator: not built yet.\n');
