"""``cathnet-train``: train, build the bundle, evaluate, write samples — or all of it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_BUNDLE = Path("sdk/cathnet/models/cathnet-stenosis")
BUNDLE_VERSION = "1.2.0"  # of the bundle ``all`` reproduces


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cathnet-train", description="CathNet training on real (ARCADE) and synthetic angiograms."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the Keras model")
    t.add_argument("--out", type=Path, default=Path("runs/cathnet"))
    t.add_argument("--budget", type=int, default=850, help="frame steps (compute of 32 frames) over the four levels")
    t.add_argument("--seed", type=int, default=20261128)
    t.add_argument("--look", default="real", choices=("v1", "real"), help="the generator's look")
    e = sub.add_parser("evaluate", help="measure a bundle through the SDK on held-out frames")
    e.add_argument("--model", type=Path, default=None, help="bundle (default: the shipped one)")
    e.add_argument("--n", type=int, default=1000)
    e.add_argument("--split", default="test", choices=("test", "validation"))
    e.add_argument("--size", type=int, default=256, help="generated frame side in pixels")
    e.add_argument("--backend", default="auto")
    e.add_argument("--write-card", action="store_true", help="store the result in the card")
    e.add_argument(
        "--look",
        default=None,
        choices=("v1", "real"),
        help="the generator's look (default: the one the model was trained on)",
    )
    e.add_argument("--real-dir", default="../shared/data/real-angiograms", help="real backgrounds (look real)")
    e.add_argument("--level", type=int, default=3, choices=(3, 4), help="3: frames; 4: photos of the monitor")
    s = sub.add_parser("samples", help="write the SDK's sample images")
    s.add_argument("--out", type=Path, default=Path("sdk/cathnet/samples"))
    s.add_argument(
        "--photos",
        action="store_true",
        help="write the sample monitor photos (of the real sample arcade_val_1; the app's and the "
        "benchmarks') "
        "to sdk/cathnet/samples/photos instead",
    )
    s.add_argument(
        "--look",
        default=None,
        choices=("v1", "real"),
        help="the generator's look (default: the one the shipped model was trained on)",
    )
    s.add_argument(
        "--arcade",
        type=Path,
        default=Path("../shared/data/arcade"),
        help="ARCADE, for the real val samples (left out, with a note, when absent)",
    )
    c = sub.add_parser("capture-eval", help="measure screen detection on simulated photos")
    c.add_argument("--n", type=int, default=300)
    c.add_argument("--empty", type=int, default=50)
    c.add_argument("--real-dir", type=Path, default=Path("../shared/data/real-angiograms"))
    c.add_argument(
        "--first-seed",
        type=int,
        default=None,
        help="first photo seed (default: the held-out set, 9500000; tuning used seeds below 1000000)",
    )
    c.add_argument("--model", type=Path, default=None, help="bundle (default: the shipped one)")
    c.add_argument("--workers", type=int, default=2, help="processes (the result does not depend on it)")
    c.add_argument(
        "--families",
        action="store_true",
        help="per family of monitor, and pooled over the held-out and the tuning families (--n photos each)",
    )
    c.add_argument("--arcade", type=Path, default=Path("../shared/data/arcade"), help="ARCADE, for real val frames")
    c.add_argument(
        "--look",
        default=None,
        choices=("v1", "real"),
        help="the synthetic frames' look (default: the one the model was trained on)",
    )
    lo = sub.add_parser("locator", help="train the capture's locator network on the tuning families (int8 TFLite)")
    lo.add_argument("--out", type=Path, default=Path("runs/locator"))
    lo.add_argument("--n", type=int, default=5600, help="training photos")
    lo.add_argument("--epochs", type=int, default=16)
    lo.add_argument("--real-dir", type=Path, default=Path("../shared/data/real-angiograms"))
    lo.add_argument("--arcade", type=Path, default=Path("../shared/data/arcade"))
    lo.add_argument("--install", action="store_true", help="copy the int8 model into the SDK (cathnet/capture)")
    f = sub.add_parser("real-frames", help="the model's probabilities on the real frames in ../shared (no labels)")
    f.add_argument("--real-dir", type=Path, default=Path("../shared/data/real-angiograms"))
    f.add_argument("--model", type=Path, default=None, help="bundle (default: the shipped one)")
    r = sub.add_parser("realism", help="how close generated frames are to the real ones in ../shared (numbers)")
    r.add_argument("--real-dir", type=Path, default=Path("../shared/data/real-angiograms"))
    r.add_argument("--n", type=int, default=80, help="generated frames per look")
    r.add_argument("--json", action="store_true")
    m = sub.add_parser("compare", help="curriculum against direct training, same budget, several seeds")
    m.add_argument(
        "--budget",
        type=int,
        default=300,
        help="compute per arm, in optimizer steps on whole frames (patch steps count by their pixels)",
    )
    m.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    m.add_argument("--look", default="real", choices=("v1", "real"))
    m.add_argument("--out", type=Path, default=Path("training/RESULTS.md"))
    v = sub.add_parser("arcade-eval", help="score a bundle through the SDK on ARCADE's real frames (JSON)")
    v.add_argument("--split", default="val", choices=("val", "train"), help="val reports; train shows the fit")
    v.add_argument("--model", type=Path, default=None, help="bundle (default: the shipped one)")
    v.add_argument("--backend", default="auto")
    v.add_argument("--arcade", type=Path, default=Path("../shared/data/arcade"))
    v.add_argument("--limit", type=int, default=None, help="first N frames only (a quick look)")
    v.add_argument("--variant", default=None, help="bundle artifact, e.g. tflite_fp32 (default: int8)")
    v.add_argument(
        "--photo",
        action="store_true",
        help="photograph each frame on a simulated monitor and analyse the photo (predict photo=True)",
    )
    v.add_argument("--write-card", action="store_true", help="store the result in the card")
    tr = sub.add_parser("train-real", help="train CathNet 1.0 on ARCADE and generated frames (curriculum)")
    tr.add_argument("--out", type=Path, default=Path("runs/real"))
    tr.add_argument("--budget", type=int, default=6000, help="frame-equivalent steps of 8 (a 64 px crop costs 1/16)")
    tr.add_argument("--arm", default="curriculum", choices=("curriculum", "direct"))
    tr.add_argument("--seed", type=int, default=20261207)
    tr.add_argument("--arcade", type=Path, default=Path("../shared/data/arcade"))
    ab = sub.add_parser("ablation", help="curriculum against direct training on ARCADE, equal compute, several seeds")
    ab.add_argument("--budget", type=int, default=1500, help="frame-equivalent steps of 8 per arm and seed")
    ab.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ab.add_argument("--arcade", type=Path, default=Path("../shared/data/arcade"))
    ab.add_argument("--work", type=Path, default=Path("runs/ablation"))
    ab.add_argument("--out", type=Path, default=Path("training/RESULTS.md"))
    a = sub.add_parser("all", help="train, build the bundle, evaluate and write it to the card")
    a.add_argument("--work", type=Path, default=Path("runs/cathnet"))
    a.add_argument("--bundle", type=Path, default=REPO_BUNDLE)
    a.add_argument("--version", default=BUNDLE_VERSION, help="the bundle's version in its card")
    a.add_argument("--arcade", type=Path, default=Path("../shared/data/arcade"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 done, 2 a bad model or input: one line on stderr)."""
    from cathnet.errors import CathNetError

    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except CathNetError as exc:
        sys.stderr.write(f"cathnet-train: {exc.code}: {exc.message}\n")
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "samples" and args.photos:
        from cathnet_train.samples import write_photo_samples

        out = args.out / "photos" if args.out == Path("sdk/cathnet/samples") else args.out
        for path in write_photo_samples(out, Path("sdk/cathnet/samples/arcade_val_1.png")):
            print(path)
        return 0
    if args.command == "samples":
        from cathnet import ModelBundle
        from cathnet_train import arcade
        from cathnet_train.dataset import trained_look
        from cathnet_train.samples import write_arcade_samples, write_samples

        for path in write_samples(args.out, args.look or trained_look(ModelBundle.load().card)):
            print(path)
        if not arcade.available(args.arcade):
            sys.stderr.write(f"cathnet-train: no ARCADE at {args.arcade}: the real val samples are not written\n")
            return 0
        for path in write_arcade_samples(args.out, args.arcade):
            print(path)
        return 0
    if args.command == "compare":
        from cathnet_train.compare import CompareConfig, compare, write_results

        config = CompareConfig(seeds=tuple(args.seeds), budget=args.budget, look=args.look)
        result = compare(config)
        seeds = " ".join(map(str, args.seeds))
        command = f"cathnet-train compare --budget {args.budget} --seeds {seeds} --look {args.look}"
        write_results(result, command, args.out)
        print(json.dumps(result["summary"], indent=2))
        return 0
    if args.command == "realism":
        return _realism(args)
    if args.command in ("arcade-eval", "train-real", "ablation"):
        return _arcade(args)
    if args.command == "real-frames":
        from cathnet_train.real_frames import read_real_frames

        if not args.real_dir.is_dir():
            sys.stderr.write(
                f"cathnet-train: real-frames needs the real frames: expected a folder at {args.real_dir}\n"
            )
            return 2
        print(json.dumps(read_real_frames(args.real_dir, args.model), indent=2))
        return 0
    if args.command == "locator":
        import shutil

        from cathnet_train.locator_train import train_locator

        summary = train_locator(args.out, args.n, args.epochs, real_dir=args.real_dir, arcade=args.arcade)
        if args.install:
            shutil.copyfile(args.out / "locator_int8.tflite", Path("sdk/cathnet/capture/locator_int8.tflite"))
        print(json.dumps(summary, indent=2))
        return 0
    if args.command == "capture-eval" and args.families:
        from cathnet_train.capture_families import FAMILY_TEST_SEEDS, evaluate_families

        report = evaluate_families(
            args.n,
            args.empty,
            first_seed=args.first_seed if args.first_seed is not None else FAMILY_TEST_SEEDS,
            real_dir=args.real_dir,
            arcade=args.arcade,
            model=args.model,
            workers=args.workers,
        )
        print(json.dumps(report, indent=2))
        return 0
    if args.command == "capture-eval":
        from cathnet_train.capture_eval import evaluate_capture

        real = args.real_dir if args.real_dir.is_dir() else None
        kwargs = {} if args.first_seed is None else {"first_seed": args.first_seed}
        print(
            json.dumps(
                evaluate_capture(
                    args.n, args.empty, real, model=args.model, workers=args.workers, look=args.look, **kwargs
                ),
                indent=2,
            )
        )
        return 0
    if args.command == "evaluate":
        from cathnet_train.evaluate import evaluate, metric_key, write_metrics

        result = evaluate(
            args.model,
            args.n,
            args.split,
            size=args.size,
            backend=args.backend,
            look=args.look,
            real_dir=args.real_dir,
            level=args.level,
        )
        print(json.dumps(result, indent=2))
        if args.write_card:
            from cathnet.bundle import default_bundle_path

            key = metric_key(args.split, result["look"], args.level, args.size)
            write_metrics(args.model or default_bundle_path(), key, result)
        return 0
    from cathnet_train.train import TrainConfig, train

    if args.command == "train":
        train(TrainConfig(budget=args.budget, seed=args.seed, look=args.look), args.out)
        return 0
    return _all(args)


def _all(args: argparse.Namespace) -> int:
    """The shipped recipe: train on ARCADE (curriculum), build every variant, measure, write the card."""
    from cathnet_convert.build import SHIPPED, build_bundle
    from cathnet_train import arcade
    from cathnet_train.arcade_eval import evaluate_bundle
    from cathnet_train.evaluate import evaluate, metric_key, write_metrics
    from cathnet_train.real_train import RealTrainConfig, train_real

    if not arcade.available(args.arcade):
        sys.stderr.write(
            f"cathnet-train: all needs ARCADE: expected stenosis/train.json and stenosis/val.json under {args.arcade}\n"
        )
        return 2
    config = RealTrainConfig(arcade_root=str(args.arcade))
    train_real(config, args.work)
    build_bundle(args.work / "cathnet.keras", args.bundle, version=args.version, variants=SHIPPED)
    result = evaluate_bundle("val", args.bundle, root=args.arcade)
    write_metrics(args.bundle, f"arcade_val_{result['artifact']}", result)
    photos = evaluate_bundle("val", args.bundle, root=args.arcade, photo=True)
    write_metrics(args.bundle, f"arcade_val_{photos['artifact']}_photo", photos)
    for level, n in ((3, 1000), (4, 500)):
        write_metrics(
            args.bundle, metric_key("test", "real", level), evaluate(args.bundle, n, "test", look="real", level=level)
        )
    print(json.dumps(json.loads((args.bundle / "model.json").read_text())["metrics"], indent=2))
    return 0


def _arcade(args: argparse.Namespace) -> int:
    from cathnet_train import arcade

    if not arcade.available(args.arcade):
        sys.stderr.write(
            f"cathnet-train: {args.command} needs ARCADE: expected stenosis/train.json and "
            f"stenosis/val.json under {args.arcade}\n"
        )
        return 2
    if args.command == "ablation":
        from cathnet_train.real_ablation import ablation, write_section
        from cathnet_train.real_train import RealTrainConfig

        result = ablation(
            RealTrainConfig(budget=args.budget, arcade_root=str(args.arcade)), tuple(args.seeds), args.work
        )
        seeds = " ".join(map(str, args.seeds))
        write_section(result, f"cathnet-train ablation --budget {args.budget} --seeds {seeds}", args.out)
        print(json.dumps(result["summary"], indent=2))
        return 0
    if args.command == "train-real":
        from cathnet_train.real_train import RealTrainConfig, train_real

        config = RealTrainConfig(budget=args.budget, arm=args.arm, seed=args.seed, arcade_root=str(args.arcade))
        print(json.dumps(train_real(config, args.out)["val_float"], indent=2))
        return 0
    from cathnet_train.arcade_eval import evaluate_bundle

    result = evaluate_bundle(args.split, args.model, args.backend, args.arcade, args.limit, args.variant, args.photo)
    print(json.dumps(result, indent=2))
    if args.write_card and args.limit is None:
        from cathnet.bundle import default_bundle_path
        from cathnet_train.evaluate import write_metrics

        key = f"arcade_{args.split}_{result['artifact']}" + ("_photo" if args.photo else "")
        write_metrics(args.model or default_bundle_path(), key, result)
    return 0


def _realism(args: argparse.Namespace) -> int:
    from cathnet_train.realism import report

    if not args.real_dir.is_dir():
        sys.stderr.write(f"cathnet-train: realism needs the real frames: expected a folder at {args.real_dir}\n")
        return 2
    result = report(args.real_dir, args.n)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"reference: {result['reference']}\ngenerated: {result['generated']} (synthetic)")
    print("distance per measure: W1 / real std (KS); lower is closer")
    looks = result["looks"]
    names = list(next(iter(looks.values()))["measures"])
    print(f"{'measure':<20}{'real median':>12}" + "".join(f"{look:>24}" for look in looks))
    for m in names:
        row = looks[next(iter(looks))]["measures"][m]
        cells = "".join(
            f"{c['measures'][m]['w1_over_real_std']:>14.3f} ({c['measures'][m]['ks']:.2f}) " for c in looks.values()
        )
        print(f"{m:<20}{row['real_median']:>12.4f}{cells}")
    print(
        f"{'mean':<32}" + "".join(f"{c['mean_w1_over_real_std']:>14.3f} ({c['mean_ks']:.2f}) " for c in looks.values())
    )
    return 0


def entry() -> None:
    sys.exit(main())
