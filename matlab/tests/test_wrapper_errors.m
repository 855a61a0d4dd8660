function test_wrapper_errors(root)
%TEST_WRAPPER_ERRORS  The binary's one-line errors come back as MATLAB errors.
  wine = fullfile(root, 'tests', 'data', 'onnx', 'wine_mlp_relu_softmax_classifier', 'model.onnx');
  expect_error(@() nngrad_jacobian(wine, ones(12, 3)), 'nngrad:failed', 'the model takes 13 inputs');
  expect_error(@() nngrad_jacobian(wine, ones(13, 1), 'output', 'nope'), 'nngrad:failed', 'nope');
  expect_error(@() nngrad_jacobian(fullfile(root, 'no', 'such.onnx'), ones(13, 1)), ...
               'nngrad:failed', 'such.onnx');
  expect_error(@() nngrad_jacobian(wine, ones(13, 1), 'colour', 'red'), 'nngrad:usage', 'colour');
  saved = getenv('NNGRAD_BIN');
  setenv('NNGRAD_BIN', fullfile(root, 'no', 'nngrad'));
  try
    expect_error(@() nngrad_forward(wine, ones(13, 1)), 'nngrad:failed', 'NNGRAD_BIN');
  catch err
    setenv('NNGRAD_BIN', saved);
    rethrow(err);
  end
  setenv('NNGRAD_BIN', saved);
end

function expect_error(f, id, text)
  try
    f();
  catch err
    if ~strcmp(err.identifier, id) || isempty(strfind(err.message, text))
      error('expected error %s mentioning "%s", got %s: %s', id, text, err.identifier, err.message);
    end
    return;
  end
  error('expected error %s mentioning "%s", got none', id, text);
end
