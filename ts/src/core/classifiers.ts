// Classifier calls: softmax regression on raw inputs (the linear probe), or a softmax head on
// a copy of a model's encoder (supervised fine-tuning).
import type { ClassifierCalls } from './calls.js';
import type { Handles } from './handles.js';
import { array } from './memory.js';
import { take } from './reports.js';

export function classifierCalls(h: Handles): ClassifierCalls {
  return {
    createClassifier(inputs, classes, optimizerJson, l2, seed, bodyModel) {
      const glue = h.core();
      let id: number;
      if (bodyModel === undefined) {
        id = h.track(h.run(() => new glue.Classifier(inputs, classes, optimizerJson, l2, seed)));
      } else {
        const m = h.model(bodyModel);
        id = h.track(h.run(() => glue.Classifier.fromModel(m, classes, optimizerJson, l2, seed)));
      }
      h.widths.set(id, { inputs, outputs: classes });
      return id;
    },

    createClassifierReplica(inputs, body, classes, optimizerJson, l2, seed) {
      const glue = h.core();
      const { units, alphas } = body;
      const activations = body.activations.join(',');
      const id = h.track(
        h.run(() => glue.Classifier.withBody(inputs, units, activations, alphas, classes, optimizerJson, l2, seed)),
      );
      h.widths.set(id, { inputs, outputs: classes });
      return id;
    },

    setClassifierTraining(classifier, trainBody, dropout) {
      const c = h.classifier(classifier);
      h.run(() => c.setDropout(dropout.input, dropout.hidden));
      h.run(() => c.setTrainBody(trainBody));
    },

    classifierTrainEpoch(classifier, dataset, batchSize, learningRate) {
      const c = h.classifier(classifier);
      const d = h.dataset(dataset);
      const { outputs } = h.widthsOf(classifier);
      // A minibatch's logits and their gradient.
      h.room('Classifier.fit', [array('logits', batchSize, outputs), array('logit gradients', batchSize, outputs)]);
      return h.run(() => c.trainEpoch(d, batchSize, learningRate));
    },

    classifierEvaluate(classifier, dataset) {
      const c = h.classifier(classifier);
      const d = h.dataset(dataset);
      h.room('Classifier.evaluate', [array('probabilities', d.rows, h.widthsOf(classifier).outputs)]);
      return h.run(() => take(c.evaluate(d), (s) => ({ loss: s.loss, accuracy: s.accuracy })));
    },

    predictProba(classifier, data, rows) {
      const c = h.classifier(classifier);
      h.room('predictProba', [
        ['input', data.length * 4],
        array('probabilities', rows, h.widthsOf(classifier).outputs),
      ]);
      return h.run(() => c.predictProba(data, rows));
    },

    classifierParameters(classifier) {
      const c = h.classifier(classifier);
      return h.run(() => c.parameters());
    },

    setClassifierParameters(classifier, params) {
      const c = h.classifier(classifier);
      h.run(() => c.setParameters(params));
    },
  };
}
