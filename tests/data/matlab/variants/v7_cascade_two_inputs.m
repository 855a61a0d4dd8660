function [y1] = v7_cascade_two_inputs(x1,x2)
%V7_CASCADE_TWO_INPUTS neural network simulation function.
%
% A cascade-forward network with two inputs (hand-written in genFunction's format): layer 2
% is fed by input 1 directly as well as by layer 1; input 2 goes through processpca; the
% output is reverse-processed by mapminmax, then removeconstantrows restores a constant row.
%
% [y1] = v7_cascade_two_inputs(x1,x2) takes these arguments:
%   x1 = 3xQ matrix, input #1
%   x2 = 2xQ matrix, input #2
% and returns:
%   y1 = 3xQ matrix, output #1
% where Q is the number of samples.

%#ok<*RPMT0>

% ===== NEURAL NETWORK CONSTANTS =====

% Input 1
x1_step1.xoffset = [-1.5;0.25;-3];
x1_step1.gain = [0.8;1.25;0.4];
x1_step1.ymin = -1;

% Input 2
x2_step1.transform = [0.6 -0.8;0.8 0.6];

% Layer 1
b1 = [0.1;-0.2;0.3;-0.4];
IW1_1 = [0.5 -0.25 0.75;-0.5 1 0.125;0.25 0.5 -1;1 -0.75 0.5];
IW1_2 = [0.3 -0.6;0.9 0.2;-0.4 0.7;0.1 -0.1];

% Layer 2
b2 = [0.05;-0.15];
IW2_1 = [0.2 -0.1 0.3;-0.3 0.4 0.1];
LW2_1 = [1.1 -0.7 0.4 0.9;-0.6 0.8 -1.2 0.3];

% Output 1
y1_step1.ymin = -1;
y1_step1.gain = [0.5;0.25];
y1_step1.xoffset = [10;-4];
y1_step2.xrows = 3;
y1_step2.keep = [1 3];
y1_step2.remove = 2;
y1_step2.constants = 0.75;

% ===== SIMULATION ========

% Dimensions
Q = size(x1,2); % samples

% Input 1
xp1 = mapminmax_apply(x1,x1_step1);

% Input 2
xp2 = processpca_apply(x2,x2_step1);

% Layer 1
a1 = tansig_apply(repmat(b1,1,Q) + IW1_1*xp1 + IW1_2*xp2);

% Layer 2
a2 = repmat(b2,1,Q) + IW2_1*xp1 + LW2_1*a1;

% Output 1
temp = mapminmax_reverse(a2,y1_step1);
y1 = removeconstantrows_reverse(temp,y1_step2);
end

% ===== MODULE FUNCTIONS ========

% Map Minimum and Maximum Input Processing Function
function y = mapminmax_apply(x,settings)
y = bsxfun(@minus,x,settings.xoffset);
y = bsxfun(@times,y,settings.gain);
y = bsxfun(@plus,y,settings.ymin);
end

% Principal Component Input Processing Function
function y = processpca_apply(x,settings)
y = settings.transform * x;
end

% Sigmoid Symmetric Transfer Function
function a = tansig_apply(n,~)
a = 2 ./ (1 + exp(-2*n)) - 1;
end

% Map Minimum and Maximum Output Reverse-Processing Function
function x = mapminmax_reverse(y,settings)
x = bsxfun(@minus,y,settings.ymin);
x = bsxfun(@rdivide,x,settings.gain);
x = bsxfun(@plus,x,settings.xoffset);
end

% Remove Constants Output Reverse-Processing Function
function x = removeconstantrows_reverse(y,settings)
Q = size(y,2);
x = nan(settings.xrows,Q,'like',y);
x(settings.keep,:) = y;
x(settings.remove,:) = repmat(settings.constants,1,Q);
end
