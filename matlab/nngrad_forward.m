function Y = nngrad_forward(model, X, varargin)
%NNGRAD_FORWARD  Outputs of a trained network at many points, computed by nngrad.
%   Y = NNGRAD_FORWARD(MODEL, X) evaluates the network in the file MODEL (an .onnx export,
%   or a MATLAB genFunction .m file) at the points X, one point per column (n x batch),
%   and returns the outputs Y (m x batch).
%
%   Y = NNGRAD_FORWARD(MODEL, X, 'output', NAME) evaluates the ONNX graph output NAME;
%   'threads', N limits the worker threads.
%
%   The nngrad binary is the one named by the environment variable NNGRAD_BIN, else the
%   one on the PATH. Its errors are raised with identifier 'nngrad:failed'.
%
%   Example:
%     Y = nngrad_forward('myNeuralNetworkFunction.m', rand(4, 10));
%
%   See also NNGRAD_JACOBIAN, NNGRAD_SENSITIVITY.

  data = nngrad_run('forward', model, X, varargin, {'output', 'threads'});
  m = numel(data.outputs);
  batch = numel(data.points);
  Y = zeros(m, batch);
  for p = 1:batch
    Y(:, p) = data.points(p).output(:);
  end
end
