export { errorMessage } from './error-message.js';
export { SeededRandom } from './seeded-random.js';
