// The trainer CLI arrives with the transactions, features and training issues; until then `npm start`
// says plainly what it did.
const command = process.argv[2] ?? 'help';
if (command === 'start') {
  process.stdout.write(
    'fraudops: the workspace is built (apps, libs and tools compile, lint and test).\n' +
      'Nothing was trained or served: the training pipeline and the scoring API are not built yet.\n',
  );
} else {
  process.stdout.write('fraudops-train: no commands yet.\n');
}
