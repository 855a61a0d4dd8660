#!/usr/bin/env python3
"""Writes the variant genFunction files of tests/matlab_variants.rs.

Each variant is a .m file in one of the styles published genFunction exports come in, plus a
.json sidecar with the constants exactly as printed (parsed back) and the layer chain, from
which the test computes the closed-form Jacobian independently of the loader. Deterministic:
rerunning rewrites identical files.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

MODULES = {
    "mapminmax_apply": {
        "struct": "function y = mapminmax_apply(x,settings)\n{i}y = bsxfun(@minus,x,settings.xoffset);\n{i}y = bsxfun(@times,y,settings.gain);\n{i}y = bsxfun(@plus,y,settings.ymin);\n",
        "flat": "function y = mapminmax_apply(x,settings_gain,settings_xoffset,settings_ymin)\n{i}y = bsxfun(@minus,x,settings_xoffset);\n{i}y = bsxfun(@times,y,settings_gain);\n{i}y = bsxfun(@plus,y,settings_ymin);\n",
        "title": "% Map Minimum and Maximum Input Processing Function",
    },
    "mapstd_apply": {
        "struct": "function y = mapstd_apply(x,settings)\n{i}y = bsxfun(@minus,x,settings.xoffset);\n{i}y = bsxfun(@times,y,settings.gain);\n{i}y = bsxfun(@plus,y,settings.yoffset);\n",
        "flat": "function y = mapstd_apply(x,settings_gain,settings_xoffset,settings_yoffset)\n{i}y = bsxfun(@minus,x,settings_xoffset);\n{i}y = bsxfun(@times,y,settings_gain);\n{i}y = bsxfun(@plus,y,settings_yoffset);\n",
        "title": "% Map Standard Deviation and Mean Input Processing Function",
    },
    "removeconstantrows_apply": {
        "struct": "function y = removeconstantrows_apply(x,settings)\n{i}y = x(settings.keep,:);\n",
        "flat": "function y = removeconstantrows_apply(x,settings_keep)\n{i}y = x(settings_keep,:);\n",
        "title": "% Remove Constants Input Processing Function",
    },
    "mapminmax_reverse": {
        "struct": "function x = mapminmax_reverse(y,settings)\n{i}x = bsxfun(@minus,y,settings.ymin);\n{i}x = bsxfun(@rdivide,x,settings.gain);\n{i}x = bsxfun(@plus,x,settings.xoffset);\n",
        "flat": "function x = mapminmax_reverse(y,settings_gain,settings_xoffset,settings_ymin)\n{i}x = bsxfun(@minus,y,settings_ymin);\n{i}x = bsxfun(@rdivide,x,settings_gain);\n{i}x = bsxfun(@plus,x,settings_xoffset);\n",
        "title": "% Map Minimum and Maximum Output Reverse-Processing Function",
    },
    "mapstd_reverse": {
        "struct": "function x = mapstd_reverse(y,settings)\n{i}x = bsxfun(@minus,y,settings.yoffset);\n{i}x = bsxfun(@rdivide,x,settings.gain);\n{i}x = bsxfun(@plus,x,settings.xoffset);\n",
        "flat": "function x = mapstd_reverse(y,settings_gain,settings_xoffset,settings_yoffset)\n{i}x = bsxfun(@minus,y,settings_yoffset);\n{i}x = bsxfun(@rdivide,x,settings_gain);\n{i}x = bsxfun(@plus,x,settings_xoffset);\n",
        "title": "% Map Standard Deviation and Mean Output Reverse-Processing Function",
    },
    "removeconstantrows_reverse": {
        "struct": "function x = removeconstantrows_reverse(y,settings)\n{i}Q = size(y,2);\n{i}x = nan(settings.xrows,Q,'like',y);\n{i}x(settings.keep,:) = y;\n{i}x(settings.remove,:) = repmat(settings.constants,1,Q);\n",
        "title": "% Remove Constants Output Reverse-Processing Function",
    },
    "tansig_apply": {"body": "function a = tansig_apply(n,~)\n{i}a = 2 ./ (1 + exp(-2*n)) - 1;\n", "title": "% Sigmoid Symmetric Transfer Function"},
    "logsig_apply": {"body": "function a = logsig_apply(n,~)\n{i}a = 1 ./ (1 + exp(-n));\n", "title": "% Sigmoid Positive Transfer Function"},
    "poslin_apply": {"body": "function a = poslin_apply(n,~)\n{i}a = max(0,n);\n{i}a(isnan(n)) = nan;\n", "title": "% Positive Linear Transfer Function"},
    "satlin_apply": {"body": "function a = satlin_apply(n,~)\n{i}a = max(0,min(1,n));\n{i}a(isnan(n)) = nan;\n", "title": "% Saturating Linear Transfer Function"},
    "softmax_apply": {
        "body": "function a = softmax_apply(n,~)\n{i}if isa(n,'gpuArray')\n{i}{i}a = iSoftmaxApplyGPU(n);\n{i}else\n{i}{i}a = iSoftmaxApplyCPU(n);\n{i}end\n{e}"
        "function a = iSoftmaxApplyCPU(n)\n{i}nmax = max(n,[],1);\n{i}n = bsxfun(@minus,n,nmax);\n{i}numerator = exp(n);\n{i}denominator = sum(numerator,1);\n{i}denominator(denominator == 0) = 1;\n{i}a = bsxfun(@rdivide,numerator,denominator);\n{e}"
        "function a = iSoftmaxApplyGPU(n)\n{i}nmax = max(n,[],1);\n{i}numerator = arrayfun(@iSoftmaxApplyGPUHelper1,n,nmax);\n{i}denominator = sum(numerator,1);\n{i}a = arrayfun(@iSoftmaxApplyGPUHelper2,numerator,denominator);\n{e}"
        "function numerator = iSoftmaxApplyGPUHelper1(n,nmax)\n{i}numerator = exp(n - nmax);\n{e}"
        "function a = iSoftmaxApplyGPUHelper2(numerator,denominator)\n{i}if (denominator == 0)\n{i}{i}a = numerator;\n{i}else\n{i}{i}a = numerator ./ denominator;\n{i}end\n",
        "title": "% Competitive Soft Transfer Function",
    },
}

FIELDS = {"mapminmax": ["gain", "xoffset", "ymin"], "mapstd": ["gain", "xoffset", "yoffset"],
          "removeconstantrows": ["keep"]}


def fmt_num(v, style):
    if style == "repr":
        return repr(float(v))
    if style == "exp":
        return "%.16e" % v
    if style == "g20":
        return "%.20g" % v
    raise ValueError(style)


def parse_back(s):
    return float(s)


class Writer:
    def __init__(self, style):
        self.s = style

    def num(self, v):
        return fmt_num(v, self.s["num"])

    def col(self, vals):
        """A column vector (or scalar) literal and the floats it denotes."""
        txt = [self.num(v) for v in vals]
        if len(txt) == 1:
            return txt[0], [parse_back(txt[0])]
        return "[" + ";".join(txt) + "]", [parse_back(t) for t in txt]

    def row_ints(self, vals):
        sep = "," if self.s.get("commas") else " "
        return "[" + sep.join(str(v) for v in vals) + "]"

    def mat(self, rows):
        sep = "," if self.s.get("commas") else " "
        txt = [[self.num(v) for v in r] for r in rows]
        back = [[parse_back(t) for t in r] for r in txt]
        if len(txt) == 1 and len(txt[0]) == 1:
            return txt[0][0], back
        if self.s.get("continuation"):
            body = (";..." + "\n" + self.s["indent"] + "    ").join(sep.join(r) for r in txt)
        else:
            body = ";".join(sep.join(r) for r in txt)
        return "[" + body + "]", back


def rnd_mat(rng, r, c, scale=1.0):
    return [[rng.uniform(-1, 1) * scale for _ in range(c)] for _ in range(r)]


def make(name, style, seed, n_in, steps, layers, out_steps, n_points=8):
    """steps: list of ('removeconstantrows', keep) | ('mapminmax',) | ('mapstd',);
    layers: list of (size, transfer); out_steps: list of 'mapminmax' | 'mapstd'."""
    rng = random.Random(seed)
    w = Writer(style)
    ind = style["indent"]
    flat = style["flat"]
    ts = style.get("timeseries", False)
    end = style["end"]
    sep = "_" if flat else "."
    lines = []
    xname = "X" if ts else "x1"
    fname = name
    if ts:
        lines.append(f"function [Y,Xf,Af] = {fname}(X,~,~)")
    else:
        lines.append(f"function [y1] = {fname}(x1)")
    lines.append(f"%{fname.upper()} neural network simulation function.")
    lines.append("%")
    lines.append("% Generated by Neural Network Toolbox function genFunction, 14-Mar-2019 10:12:31.")
    lines.append("%")
    n_out = layers[-1][0]
    if ts:
        lines += [f"% [Y] = {fname}(X,~,~) takes these arguments:", "%",
                  "%   X = 1xTS cell, 1 inputs over TS timesteps",
                  f"%   Each X{{1,ts}} = Qx{n_in} matrix, input #1 at timestep ts.", "%",
                  "% and returns:", "%   Y = 1xTS cell of 1 outputs over TS timesteps.",
                  f"%   Each Y{{1,ts}} = Qx{n_out} matrix, output #1 at timestep ts.", "%",
                  "% where Q is number of samples (or series) and TS is the number of timesteps."]
    else:
        lines += [f"% [y1] = {fname}(x1) takes these arguments:", f"%   x = {n_in}xQ matrix, input #1",
                  "% and returns:", f"%   y = {n_out}xQ matrix, output #1", "% where Q is the number of samples."]
    lines += ["", "%#ok<*RPMT0>", "", ind + "% ===== NEURAL NETWORK CONSTANTS =====", "", ind + "% Input 1"]
    spec = {"file": fname + ".m", "n_in": n_in, "input_steps": [], "layers": [], "output_steps": []}
    used = []
    n = n_in
    for k, st in enumerate(steps, 1):
        pre = f"x1_step{k}"
        if st[0] == "removeconstantrows":
            keep = st[1]
            lines.append(f"{ind}{pre}{sep}keep = {w.row_ints(keep)};")
            spec["input_steps"].append({"type": "removeconstantrows", "keep": keep})
            n = len(keep)
        else:
            kind = st[0]
            xoff, xo = w.col([rng.uniform(-3, 3) for _ in range(n)])
            gain, g = w.col([rng.uniform(0.2, 1.5) for _ in range(n)])
            ylast = "ymin" if kind == "mapminmax" else "yoffset"
            yv = -1 if kind == "mapminmax" else 0
            order = [("xoffset", xoff), ("gain", gain), (ylast, str(yv))]
            if flat:
                order = [order[1], order[0], order[2]]
            for f, t in order:
                lines.append(f"{ind}{pre}{sep}{f} = {t};")
            spec["input_steps"].append({"type": kind, "xoffset": xo, "gain": g, "y": float(yv)})
        used.append(st[0] + "_apply")
    sizes = [n] + [l[0] for l in layers]
    for k, (size, f) in enumerate(layers, 1):
        lines += ["", f"{ind}% Layer {k}"]
        b, bv = w.col([rng.uniform(-1, 1) for _ in range(size)])
        W, Wv = w.mat(rnd_mat(rng, size, sizes[k - 1], 1.2 if f != "satlin" else 0.6))
        wname = "IW1_1" if k == 1 else f"LW{k}_{k-1}"
        lines.append(f"{ind}b{k} = {b};")
        lines.append(f"{ind}{wname} = {W};")
        spec["layers"].append({"W": Wv, "b": bv, "f": f})
        if f != "purelin":
            used.append(f + "_apply")
    lines += ["", ind + "% Output 1"]
    for k, kind in enumerate(out_steps, 1):
        pre = f"y1_step{k}"
        xoff, xo = w.col([rng.uniform(-40, 40) for _ in range(n_out)])
        gain, g = w.col([rng.uniform(0.02, 0.9) for _ in range(n_out)])
        ylast = "ymin" if kind == "mapminmax" else "yoffset"
        yv = -1 if kind == "mapminmax" else 0
        order = [(ylast, str(yv)), ("gain", gain), ("xoffset", xoff)]
        for f, t in order:
            lines.append(f"{ind}{pre}{sep}{f} = {t};")
        spec["output_steps"].append({"type": kind, "xoffset": xo, "gain": g, "y": float(yv)})
        used.append(kind + "_reverse")
    lines += ["", ind + "% ===== SIMULATION ========", ""]

    def call(fn, arg, pre, kind):
        if flat:
            args = ",".join(f"{pre}_{f}" for f in FIELDS[kind])
            return f"{fn}({arg},{args})"
        return f"{fn}({arg},{pre})"

    body = []
    if ts:
        body += ["% Format Input Arguments", "isCellX = iscell(X);", "if ~isCellX", ind + "X = {X};", "end", "",
                 "% Dimensions", "TS = size(X,2); % timesteps", "if ~isempty(X)",
                 ind + "Q = size(X{1},1); % samples/series", "else", ind + "Q = 0;", "end", "",
                 "% Allocate Outputs", "Y = cell(1,TS);", "", "% Time loop", "for ts=1:TS", ""]
        li = ind
        body += [li + "% Input 1", li + "X{1,ts} = X{1,ts}';"]
        cur = "X{1,ts}"
    else:
        body += ["% Dimensions", "Q = size(x1,2); % samples", ""]
        li = ""
        body += ["% Input 1"]
        cur = "x1"
    for k, st in enumerate(steps, 1):
        target = "xp1" if k == len(steps) else "temp"
        if ts and target == "xp1":
            target = "Xp1"
        body.append(f"{li}{target} = {call(st[0] + '_apply', cur, f'x1_step{k}', st[0])};")
        cur = target
    if not steps:
        body.append(f"{li}xp1 = {cur};")
        cur = "xp1"
    prev = cur
    for k, (size, f) in enumerate(layers, 1):
        wname = "IW1_1" if k == 1 else f"LW{k}_{k-1}"
        net = f"repmat(b{k},1,Q) + {wname}*{prev}"
        rhs = net if f == "purelin" else f"{f}_apply({net})"
        body += ["", f"{li}% Layer {k}", f"{li}a{k} = {rhs};"]
        prev = f"a{k}"
    body += ["", li + "% Output 1"]
    outv = "Y{1,ts}" if ts else "y1"
    if not out_steps:
        body.append(f"{li}{outv} = {prev};")
    for k, kind in enumerate(out_steps, 1):
        src = prev if k == 1 else outv
        body.append(f"{li}{outv} = {call(kind + '_reverse', src, f'y1_step{k}', kind)};")
    if ts:
        body += [li + "Y{1,ts} = Y{1,ts}';", "end", "", "% Final Delay States", "Xf = cell(1,0);",
                 "Af = cell(1,0);", "", "% Format Output Arguments", "if ~isCellX", ind + "Y = cell2mat(Y);", "end"]
    lines += [ind + l if l else "" for l in body]
    if end:
        lines.append("end")
    lines += ["", "% ===== MODULE FUNCTIONS ========", ""]
    e = "end\n" if end else ""
    for fn in dict.fromkeys(used):
        m = MODULES[fn]
        txt = m.get("body") or m["flat" if flat else "struct"]
        lines.append(m["title"])
        lines.append(txt.format(i=ind or "", e=e) + e)
    src = "\n".join(lines)
    if style.get("crlf"):
        src = src.replace("\n", "\r\n")
    with open(os.path.join(HERE, fname + ".m"), "w", newline="") as fh:
        fh.write(src)
    spec["points"] = [[rng.uniform(-2.5, 2.5) for _ in range(n_in)] for _ in range(n_points)]
    with open(os.path.join(HERE, fname + ".json"), "w") as fh:
        json.dump(spec, fh, indent=1)


make("v1_flat_noend_exp", {"num": "exp", "indent": "", "flat": True, "end": False}, 1, 4,
     [("mapminmax",)], [(6, "tansig"), (2, "purelin")], ["mapminmax"])
make("v2_struct_indent_poslin_rcr", {"num": "repr", "indent": "  ", "flat": False, "end": True, "commas": True}, 2, 6,
     [("removeconstantrows", [1, 3, 4, 6]), ("mapminmax",)], [(5, "poslin"), (3, "purelin")], ["mapminmax"])
make("v3_softmax_pattern", {"num": "g20", "indent": "  ", "flat": False, "end": True, "continuation": True}, 3, 5,
     [("mapminmax",)], [(7, "tansig"), (3, "softmax")], [])
make("v4_satlin_mapstd", {"num": "repr", "indent": "\t", "flat": False, "end": True}, 4, 3,
     [("mapstd",)], [(6, "satlin"), (2, "purelin")], ["mapstd"])
make("v5_two_hidden_flat", {"num": "g20", "indent": "  ", "flat": True, "end": False, "crlf": True}, 5, 5,
     [("removeconstantrows", [2, 3, 5]), ("mapminmax",)], [(6, "tansig"), (4, "logsig"), (2, "purelin")], ["mapminmax"])
make("v6_timeseries_static", {"num": "repr", "indent": "  ", "flat": False, "end": True, "timeseries": True}, 6, 5,
     [("mapminmax",)], [(8, "tansig"), (1, "purelin")], ["mapminmax"])
