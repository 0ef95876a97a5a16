export { runGithubTrain, runLocalTrain, trainOrder, type TrainOptions, type TrainResult, type TrainStep } from './train.js';
