"""Real photographs of text with word labels: the OCR's figure on data it was not tuned on.

Two collections, every picture an example or test image of an open-source OCR project under
the Apache License 2.0 or the MIT licence. The :data:`FIRST` 24: ten cropped words on signs from
deep-text-recognition-benchmark (``demo_image/``), nine cropped words from street photographs
and three scene photographs from MMOCR (``tests/data/rec_toy_dataset/``, ``demo/``), and two
pictures from EasyOCR (``examples/``). The 35 :data:`ADDED` later, once the first held-out
pictures had been measured three times and could no longer count as unseen: twelve cropped
words of PaddleOCR's documentation and five of PARSeq's demo (``doc/imgs_words*``,
``demo_images/``), ten ICDAR 2015 street pictures of MMOCR's detection tests
(``tests/data/det_toy_dataset/``), six scene pictures of PaddleOCR's documentation
(``doc/imgs_en/``), a receipt of MMOCR's demo and a sign of keras-ocr's tests. Copies are
committed under ``tests/data/ocr_photos/`` with a ``NOTICE`` naming each file's source and
commit. The labels are ours: every word a reader sees, typed by hand (where a project gives
one word for a crop that shows more, all are labelled). MMOCR's tenth cropped word, a date
stamp, and PaddleOCR's three cropped numbers are left out: the pipeline keeps no number as a
word.

The pictures are split by a rule fixed before any was read: the :data:`TUNING` split is the
pictures whose SHA-256 begins with 0-3 (3 of the first 24, 10 of the 35 added), which settings
may be checked on; the others are :data:`HELD_OUT`, never looked at while choosing settings.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT_VARIABLE = "TRENDWATCH_OCR_PHOTOS"
DEFAULT_FOLDER = Path("tests/data/ocr_photos")
SOURCE = (
    "example and test images of deep-text-recognition-benchmark (commit e2117f2), MMOCR (commit "
    "966296f) and EasyOCR (commit c4f3cd7), Apache-2.0"
)
ADDED_SOURCE = (
    "example and test images of PaddleOCR (as copied by PaddleOCR2Pytorch, commit ceb7e61), PARSeq "
    "(commit 1902db0) and MMOCR (commit 966296f), Apache-2.0, and keras-ocr (commit 9661d6f), MIT"
)
TUNING = "tuning"
HELD_OUT = "held-out"
SPLITS = (TUNING, HELD_OUT)
#: The collections: the pictures the first figures were measured on, and those added later.
FIRST = "first"
ADDED = "added"


@dataclass(frozen=True, slots=True)
class LabelledPhoto:
    name: str
    sha256: str
    description: str
    text: str
    collection: str = FIRST

    @property
    def split(self) -> str:
        """:data:`TUNING` when the SHA-256 begins with 0-3, else :data:`HELD_OUT`."""
        return TUNING if self.sha256[0] in "0123" else HELD_OUT


def _crop(name: str, sha256: str, text: str, description: str = "cropped word, sign") -> LabelledPhoto:
    return LabelledPhoto(name, sha256, description, text)


def _added(name: str, sha256: str, text: str, description: str) -> LabelledPhoto:
    return LabelledPhoto(name, sha256, description, text, ADDED)


FIRST_PHOTOS = (
    _crop("dtrb-demo_1.png", "8de1622a51c62236eab31acc631814e37f20a6a55ec52651faf9037d415a20b3", "Available"),
    _crop(
        "dtrb-demo_2.jpg",
        "73a372736f1cfcf416cd531783448c9bd43181e48e03867c679da462a7d638bd",
        "SHAKE SHACK",
        "cropped words, metal letters over a hedge",
    ),
    _crop("dtrb-demo_3.png", "48f5269dbe5afcd4ce647f3cea808dd943a760b2e2e6fa0f399af171eaf34c37", "London"),
    _crop(
        "dtrb-demo_4.png", "c296985f727013345a2a904d5752124c3c0364dcb9bac8cc69afde4cd186193b", "Greenstead"
    ),
    _crop("dtrb-demo_5.png", "dd7bdc26b4e0796f7d0385a96f335973ea9f7b8d89940ee1c9073223ba5db2cd", "TOAST"),
    _crop(
        "dtrb-demo_6.png",
        "be130a3779b31620ce02ff19ae04b937ba590a10c8f15de82c7c143352ac3cd0",
        "MERRY",
        "cropped word, grey on grey, slanted",
    ),
    _crop(
        "dtrb-demo_7.png", "5fc177826f66a5198a7d5f88ecf3e3ad1b9da3ca5b9044b29b604eab8c311709", "underground"
    ),
    _crop(
        "dtrb-demo_8.jpg",
        "20aef3548319b863e143e95aac4665e738ec0dacd6dbd6c9078fa893a4cf8ac0",
        "RONALDO",
        "cropped word, curved, on a shirt",
    ),
    _crop(
        "dtrb-demo_9.jpg",
        "db22ea783b2c0feb39a6a3082f50f669c57bd70e3530f789ab688d4366592356",
        "BALLY'S STATION ENTRANCE",
        "cropped sign at night, curved letters",
    ),
    _crop(
        "dtrb-demo_10.jpg",
        "93e7e8d18fa366dc8409910b24db0a13c942156605837c380fea1dc4d95778a2",
        "UNIVERSITY",
        "cropped word, curved, on stone",
    ),
    _crop(
        "mmocr-rec-1058891.jpg",
        "fc4ccd98497959f2dcb1b99e95321bc47dfed4c08e9e796127e3cb0908d019ba",
        "Virgin",
        "cropped logo, turned about 60 degrees, 72x78",
    ),
    _crop(
        "mmocr-rec-1058892.jpg",
        "5892a78288111d6af02641436f8af63127ed1b387ab1904a36c18d6f69112d2f",
        "america",
        "cropped word, 114x20",
    ),
    _crop(
        "mmocr-rec-1190237.jpg",
        "8c75b8fd38c9a8d103959a393d80b3e4fb805bf91ae8e69057f8715d0cad031c",
        "ANING",
        "cropped word, blurred, 35x30",
    ),
    _crop(
        "mmocr-rec-1210236.jpg",
        "67c09758e6bfa535bd178d80891895569a19b9d00707bc8f74472f3468f312da",
        "Davidson",
        "cropped word, slanted, 46x18",
    ),
    _crop(
        "mmocr-rec-1223729.jpg",
        "c51d7967656a9196e5cfa6051e79240aeb2621de229f64e3bae5d0008e2a19d3",
        "PACIFIC",
        "cropped word carved in stone, 58x26",
    ),
    _crop(
        "mmocr-rec-1223731.jpg",
        "8e208ad4ca548db6048c965b4ab9ed472ee465de78c94d340d96614b5ba5d096",
        "HOTEL GRAND PACIFIC",
        "cropped words carved in stone, curved, 67x26",
    ),
    _crop(
        "mmocr-rec-1223732.jpg",
        "12e4713338b19c85c4e5d48b5a0a903a1c51d3da07b9642916e59da2796b610e",
        "HOTEL",
        "cropped word carved in stone, curved, 35x19",
    ),
    _crop(
        "mmocr-rec-1223733.jpg",
        "bd6f21b96c801b39102422fe009b0c2d7978325d41c4177bc76e7182545059b9",
        "HOTEL",
        "cropped word carved in stone, curved, 37x17",
    ),
    _crop(
        "mmocr-rec-1240078.jpg",
        "babef34b3b527861b570fc138fe2782e4081b837f8ce5836482df86aa25e4755",
        "ATTACK",
        "cropped word, red on red, 53x18",
    ),
    LabelledPhoto(
        "mmocr-demo_text_det.jpg",
        "b3b83c612a0e05196b15ccf503563711267766cc6a47b5622c44e102ac4c6a92",
        "blue plaque on a brick wall, 460x276 JPEG",
        "London Borough of Southwark Octavia Hill Social Reformer Established this garden, hall and "
        "cottages, and pioneered Army Cadets 1887-90 Voted by the People",
    ),
    LabelledPhoto(
        "mmocr-demo_text_ocr.jpg",
        "2f9b4aa42b2dc9687dcc61a188395c0027d2e54dcacf0b059e919a6ff16d05a6",
        "shopping mall, white type on a dark pillar, sale signs, 727x610 JPEG",
        "SALE SALE SALE 70% ALL YEAR ROUND 14 RETAIL BRANDS, OVER 80 STORES 1 OCBC ROBINSONS GROUP "
        "VISA CARD OCBC Bank",
    ),
    LabelledPhoto(
        "mmocr-demo_text_recog.jpg",
        "46c5cb134a95a4965a5547733340c654f852dab2f19a70574f0405b6b0cc4edd",
        "curved word on a shop window, 206x182 JPEG",
        "STAR",
    ),
    LabelledPhoto(
        "easyocr-french.jpg",
        "549784c349af8a87d53e2fec897d03aa800ed73a64bb9d8de60485cdd71d1e98",
        "Paris street signs, light type on dark signs before a stone building, 692x1024 JPEG",
        "Mairie du 1er Palais du LOUVRE LES ARTS DÉCORATIFS Musée du LOUVRE Théâtre du PALAIS-ROYAL",
    ),
    LabelledPhoto(
        "easyocr-english.png",
        "f9f8c82b6b15ac6c9367c7939129395d6c45a882a2dadde33aaa810da4d450d5",
        "infographic, white type on blue, with drawings, 905x480 PNG",
        "Reduce your risk of coronavirus infection: Clean hands with soap and water or "
        "alcohol-based hand rub Cover nose and mouth when coughing and sneezing with tissue or "
        "flexed elbow Avoid close contact with anyone with cold or flu-like symptoms Thoroughly "
        "cook meat and eggs No unprotected contact with live wild or farm animals World Health "
        "Organization",
    ),
)


ADDED_PHOTOS = (
    _added(
        "paddleocr-word-word_1.png",
        "33da50b0a6295a26bab9f80dee2fa4dbfee4e1e936d92a8313ff29222e83eaac",
        "JOINT",
        "cropped word, dark on blue, 114x34",
    ),
    _added(
        "paddleocr-word-word_2.png",
        "59a24a806f3c7d148cacd7cadcbc7c59bece548fba0b5c2086d9721354af131d",
        "yourself",
        "cropped word, dark on blue, 51x15",
    ),
    _added(
        "paddleocr-word-word_10.png",
        "68f52fb4397387dc67d964e91f1bab1ce88ebf802479a9e75e6f8f5d5ba8b17f",
        "PAIN",
        "cropped word, dark on blue, 73x28",
    ),
    _added(
        "paddleocr-word-word_116.png",
        "dedaec280c15defaab47294d84ae5cfb83ec467a0ec1862a041e751fc5660676",
        "QBHOUSE",
        "cropped word, lit cyan letters on blue, 274x116",
    ),
    _added(
        "paddleocr-word-word_19.png",
        "598a079c9359f421c391490f8ed106efa56566ea9010c27cbc481ae0c2eaf152",
        "SLOW",
        "cropped word, white on red, 73x34",
    ),
    _added(
        "paddleocr-word-word_201.png",
        "f678159c8238a3e56f21ab6c55da53887579ebbe835f341c051020aeff62ef20",
        "HOUSE",
        "cropped word, grey on dark, 89x30",
    ),
    _added(
        "paddleocr-word-word_308.png",
        "6f93110954f0d0cba005c16d9a03ecb5b0c2ecac8ebc0beb39cb62f83c4be303",
        "LITTLE",
        "cropped word, lit white letters on dark, 154x52",
    ),
    _added(
        "paddleocr-word-word_336.png",
        "412b5e53fb1f029907d33e5f580eb2fc1b7e7e91fa476e23fc983431e2ddd961",
        "SUPER",
        "cropped word, grey on grey, slanted, 138x90",
    ),
    _added(
        "paddleocr-word-word_401.png",
        "2aeb83b39afe9494ce453ff560953aa6f6605088c03afbf5d15d8d33a0b2c5ac",
        "BURGER",
        "cropped word, red neon, narrow, 84x87",
    ),
    _added(
        "paddleocr-word-word_461.png",
        "98b9e60e39a5cc031f8d93a63bec59acb0ad66e62bd90749d2d26496661abb10",
        "SPEED",
        "cropped word, turned about 30 degrees, 111x108",
    ),
    _added(
        "paddleocr-word-word_52.png",
        "e1fef4c0c6fdb3d4be42b540272f0f2f377e3f1947a1617816f3ff45854f13fd",
        "Future",
        "cropped word, white on blue, 98x70",
    ),
    _added(
        "paddleocr-word-word_545.png",
        "0e534569f689fc3ef2b129a6bdd3a73b0828c382ea8f658a6e922bb543bdcd73",
        "ESPRIT",
        "cropped word, white on dark, turned about 20 degrees, 103x128",
    ),
    _added(
        "parseq-art-01107.jpg",
        "541a071a52c6b8f0c36df0754e6e40261c83e70f279ad788934d31fb6a0d7ad6",
        "CHEWBACCA",
        "cropped word, curved round a badge, 1774x871",
    ),
    _added(
        "parseq-cute-184.jpg",
        "83022a6ee8a7af1aa7619e43986dfbafbe465774312c6cc7963b1d65a0d49ee9",
        "SALMON",
        "cropped word, curved, white on dark teal, 159x248",
    ),
    _added(
        "parseq-ic13_word_256.png",
        "ad14e77792e67e9196cad3d9e61ad3edea9d5dda97ac8a3efd60559e35a190b0",
        "Verbandstoffe",
        "cropped word, light on green, motion blur, 301x69",
    ),
    _added(
        "parseq-ic15_word_26.png",
        "bab8c4c31f0a22b77f4b183e9f0068d7bc0bb024b61fc09c6bb57c33f7b1d2d1",
        "Kappa",
        "cropped word, white on dark, blurred, 114x41",
    ),
    _added(
        "parseq-uber-27491.jpg",
        "9a0675ac5f21ad07e5f5a4f7bad1c4c101c919b799d2b98b0800c53be21a9c86",
        "3rd Ave",
        "cropped street sign, vertical text, 30x108",
    ),
    _added(
        "kerasocr-test_image.jpg",
        "45fdd8849f0995f0801fa218b731fba2a14d27fc48468e918b36657a872da70b",
        "Eventdock",
        "black sign on a concrete wall, 640x480 JPEG",
    ),
    _added(
        "mmocr-det-img_1.jpg",
        "7ebd8740f9f0057c5fe274e84c0089a2b8e8434320c3a41fc561daa70cf0142f",
        "Genexis Theatre Retail Carpark",
        "ICDAR 2015: lift sign, small type on coloured bands, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_2.jpg",
        "1a09c72186e6d56d404f384e469cf81d2cbe5ec4453a909aaac5aaa34103235b",
        "EXIT",
        "ICDAR 2015: corridor with a small lit exit sign, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_3.jpg",
        "a2e99b7042a848e6ef74279636d736345c8e79b6b5aa74e451d5e3768a3fb06d",
        "fusionopolis live work play learn",
        "ICDAR 2015: reception wall, blurred, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_4.jpg",
        "2d12f916d672f8dfe01a69ac0c77a5b2c27715ba3a523691429b8c115f38170a",
        "Emergency Train Stop",
        "ICDAR 2015: small red type on a grey box, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_5.jpg",
        "8de8b165ac0f782126719429b8626e7bf1b124405d063892646eb0cab9d23dab",
        "Platform B",
        "ICDAR 2015: station platform, small turned label, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_6.jpg",
        "bde72eca4678085102d9ceb835d2b6992b7df403ed706bf17e67b12dea3f4d40",
        "Reserved CAUTION",
        "ICDAR 2015: inside a train, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_7.jpg",
        "be5aa25fa2ccf280d2dd7a40776b031cb6ef01395cc0bcd9e3e799069b96f426",
        "citi savings on groceries at Toys Us To apply for a Citibank SMRT Card SMS to Earn greater savings and free SMRT rides",
        "ICDAR 2015: banner over a station hall, blurred, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_8.jpg",
        "a0245b2ffda7511ebf9f4db09f3e699f4dd7557d55f36b8159e109c52852e308",
        "WHY PAY FOR NOTHING SCAM ALERT",
        "ICDAR 2015: poster on a platform, motion blur, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_9.jpg",
        "62a819051b21818f276fbf07e0f7de0c711817cc4f878f73675c56e898cd75c6",
        "EXIT",
        "ICDAR 2015: walkway with small exit signs, 1280x720 JPEG",
    ),
    _added(
        "mmocr-det-img_10.jpg",
        "8dd3bad7cd819955e315d58f5123ea97cd74fc0ea5ae8578df799f8225f99c8f",
        "to HarbourFront Buona Vista Platform A",
        "ICDAR 2015: platform screen doors, 1280x720 JPEG",
    ),
    _added(
        "paddleocr-scene-254.jpg",
        "39c9c9b69673880b17fa038c74f2a46e3e97841ed39ac4318efc5fde58512984",
        "PHO CAPITAL 107 State Street Montpelier Vermont REG PM CT FOOD No TA1 TX1 TL CASH THANK YOU FOR YOUR BUSINESS",
        "photographed receipt, 700x933 JPEG",
    ),
    _added(
        "paddleocr-scene-img623.jpg",
        "0cf065709746c4288fd98d77aad9070ca18e1e9563452f4d12527190d81418dd",
        "HARANA SPARE RIBS BARBECUES FILIPINO DISHES SINCE 1966",
        "round restaurant sign against the sky, curved type, 722x542 JPEG",
    ),
    _added(
        "paddleocr-scene-img_10.jpg",
        "eb2fd6496072cbdad3f00e38b42bb24549860c196de345ef2196017b38a5c4c0",
        "Please lower your volume when you pass by residential areas",
        "ICDAR 2015: wooden sign by a walkway, 1280x720 JPEG",
    ),
    _added(
        "paddleocr-scene-img_11.jpg",
        "1ab8c1df87fce39d149a1a369a7785bebc1def74f555d233d86168c169d068d7",
        "BEWARE OF MAINTENANCE VEHICLES",
        "ICDAR 2015: road sign before trees, 1280x720 JPEG",
    ),
    _added(
        "paddleocr-scene-img_12.jpg",
        "25567eede48109f0ec02b68c8b873c593a569c5d15ad43d167c970599ade8c3f",
        "ACKNOWLEDGEMENTS We would like to thank all the designers and contributors who have been involved in the production of this book; their contributions have been indispensable to its creation. We would also like to express our gratitude to all the producers for their invaluable opinions and assistance throughout this project. And to the many others whose names are not credited but have made specific input in this book, we thank you for your continuous support.",
        "photographed book page, 1680x1048 JPEG",
    ),
    _added(
        "paddleocr-scene-img_195.jpg",
        "22fc122c7db7c70d8372f5154e489d0d52d8a3cf68f4801aec3c40bafc8c07ef",
        "EXPERIENCE FIBRE HERE Open to Public. Free Admission.",
        "ICDAR 2015: white stand in a mall, 1280x720 JPEG",
    ),
    _added(
        "mmocr-demo_kie.jpeg",
        "42b04b998a4c55a36f89f47f9ca33224dc1b4288905a49ed06a0068471a7b08d",
        "PM Order Cashier Eric Grande Meal Bean Bur No Onions Sft Tac Party Pk Taco Bf Pack Crunchy Med Drink Supreme Pizza Pepperoni Cheese SubTotal Tax Total Master Card Acct Approval TABLET PC GIVEAWAY ON BACK",
        "photographed receipt, creased, 900x1200 JPEG",
    ),
)

#: Every labelled picture: the first collection, then those added.
PHOTOS = FIRST_PHOTOS + ADDED_PHOTOS


def folder() -> Path:
    """Where the pictures are looked for (``TRENDWATCH_OCR_PHOTOS`` or the committed copies)."""
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_FOLDER)


def load(where: Path, split: str | None = None) -> list[tuple[LabelledPhoto, bytes]]:
    """The labelled pictures of ``split`` (all when None) found in ``where``, with their bytes;
    ValueError if one was altered."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    found: list[tuple[LabelledPhoto, bytes]] = []
    for photo in PHOTOS:
        if split is not None and photo.split != split:
            continue
        path = where / photo.name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != photo.sha256:
            raise ValueError(f"{path} is not the labelled picture (SHA-256 differs)")
        found.append((photo, data))
    return found
